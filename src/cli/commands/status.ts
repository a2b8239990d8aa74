/** @file `likeness status`: show a job's status, optionally waiting until it completes. */
import { Command, Option } from 'commander';
import type { LikenessClient } from '../../client/index.js';
import {
  clientFrom, interruptSignal, parseSeconds, printStatus, progress, reportError, withConnectionFlags, type ConnectionFlags,
} from './client-command-kit.js';

interface StatusFlags extends ConnectionFlags {
  user: string;
  job: string;
  wait?: boolean;
  timeout: number;
  history?: boolean;
  imageLinks?: boolean;
}

export function statusCommand(): Command {
  const cmd = new Command('status')
    .description('show the status and result of a job on a Likeness server')
    .requiredOption('--job <id>', 'your job ID')
    .requiredOption('--user <id>', 'the user ID the job was submitted for')
    .option('--wait', 'poll until the job completes')
    .addOption(new Option('--timeout <seconds>', 'with --wait: how long to wait').default(120).argParser(parseSeconds('--timeout')))
    .option('--history', "include the user's completed jobs")
    .option('--image-links', 'include signed, expiring links to the job\'s images');
  withConnectionFlags(cmd);
  return cmd.action(async (flags: StatusFlags) => {
    const interrupt = interruptSignal();
    let client: LikenessClient | undefined;
    try {
      client = clientFrom(flags);
      const ref = { userId: flags.user, jobId: flags.job };
      const query = { history: flags.history, imageLinks: flags.imageLinks, signal: interrupt.signal };
      const status = flags.wait
        ? await client.waitForResult(ref, {
          ...query,
          timeoutMs: flags.timeout * 1000,
          onPoll: (s, poll) => {
            if (!s.job_complete) progress(flags, `Waiting for the result… (poll ${poll})`);
          },
        })
        : await client.jobStatus(ref, query);
      printStatus(flags, ref, status);
    } catch (err) {
      reportError(flags, err);
    } finally {
      interrupt.dispose();
      client?.close();
    }
  });
}

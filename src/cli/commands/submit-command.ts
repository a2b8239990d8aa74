/**
 * @file The shared body of `likeness enroll` and `likeness authenticate`: submit a selfie (and liveness frames), then
 * wait for the decision with progress on stderr.
 */
import { Command, Option } from 'commander';
import type { LikenessClient, SubmittedJob } from '../../client/index.js';
import {
  clientFrom, collectParam, interruptSignal, parseSeconds, printStatus, progress, reportError, withConnectionFlags,
  type ConnectionFlags,
} from './client-command-kit.js';

interface SubmitFlags extends ConnectionFlags {
  user: string;
  job?: string;
  wait: boolean;
  timeout: number;
  callback?: string;
  param?: Record<string, string>;
  sandboxResult?: 'approved' | 'rejected' | 'provisional';
  reenroll?: boolean;
}

export function submitCommand(kind: 'enroll' | 'authenticate'): Command {
  const cmd = new Command(kind)
    .description(kind === 'enroll'
      ? 'enroll a user (SmartSelfie registration, job type 4) on a Likeness server and wait for the decision'
      : 'authenticate an enrolled user (SmartSelfie authentication, job type 2) and wait for the decision')
    .argument('<selfie>', 'selfie image file (JPEG or PNG)')
    .argument('[liveness...]', 'liveness frame files, in capture order')
    .requiredOption('--user <id>', 'your user ID')
    .option('--job <id>', 'your job ID (default: a random UUID)')
    .option('--no-wait', 'return once the server accepted the job, without waiting for the result')
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the result').default(120).argParser(parseSeconds('--timeout')))
    .option('--callback <url>', 'callback URL for this job')
    .option('--param <key=value>', 'extra partner_params entry, echoed back in results (repeatable)', collectParam)
    .addOption(new Option('--sandbox-result <outcome>', 'sandbox only: force the outcome').choices(['approved', 'rejected', 'provisional']));
  if (kind === 'enroll') cmd.option('--reenroll', 'replace the registered selfie of an already enrolled user');
  withConnectionFlags(cmd);
  return cmd.action(async (selfie: string, liveness: string[], flags: SubmitFlags) => {
    const interrupt = interruptSignal();
    let client: LikenessClient | undefined;
    try {
      client = clientFrom(flags);
      const options = {
        userId: flags.user,
        jobId: flags.job,
        selfie,
        liveness,
        callbackUrl: flags.callback,
        partnerParams: flags.param,
        sandboxResult: flags.sandboxResult,
        signal: interrupt.signal,
        onProgress: (stage: string) => {
          if (stage === 'upload') progress(flags, `Uploading ${1 + liveness.length} image(s)…`);
        },
      };
      progress(flags, `${kind === 'enroll' ? 'Enrolling' : 'Authenticating'} user ${flags.user} at ${client.baseUrl}`);
      const job: SubmittedJob = kind === 'enroll'
        ? await client.enroll({ ...options, allowReenroll: flags.reenroll })
        : await client.authenticate(options);
      progress(flags, `Accepted: job ${job.jobId}, Smile job ${job.smileJobId}`);
      if (!flags.wait) {
        if (flags.json) process.stdout.write(`${JSON.stringify({ submitted: true, ...job })}\n`);
        else process.stdout.write(`Submitted job ${job.jobId} (Smile job ${job.smileJobId}); check it with: likeness status --user ${job.userId} --job ${job.jobId}\n`);
        return;
      }
      const started = Date.now();
      const status = await client.waitForResult(job, {
        timeoutMs: flags.timeout * 1000,
        signal: interrupt.signal,
        onPoll: (s) => {
          if (!s.job_complete) progress(flags, `Waiting for the result… ${((Date.now() - started) / 1000).toFixed(1)} s`);
        },
      });
      printStatus(flags, job, status);
    } catch (err) {
      reportError(flags, err);
    } finally {
      interrupt.dispose();
      client?.close();
    }
  });
}

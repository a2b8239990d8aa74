/**
 * @file Operator commands on a data directory: enrolled users, API keys and callback replays.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { buildServerConfig, configFromEnv } from '../../config/server-config.js';
import { rotateApiKey } from '../../jobs/api-keys.js';
import { deleteUser, listUsers, setUserActive, type UserSummary } from '../../jobs/user-admin.js';
import { smileResultOf } from '../../jobs/result-view.js';
import { checkCallbackUrl } from '../../jobs/prep-upload.js';
import { masterKeyFile } from '../../store/open-storage.js';
import type { Environment } from '../../store/types.js';
import { action, output, parseEnvironment, parsePositiveInt } from '../cli-support.js';
import { addStorageOptions, withStorage, type StorageFlags } from '../storage-options.js';

interface Scope extends StorageFlags {
  partner: string;
  env: Environment;
  json?: boolean;
}

function scoped(cmd: Command): Command {
  return addStorageOptions(cmd)
    .requiredOption('--partner <id>', 'partner ID')
    .option('--env <environment>', 'sandbox or production', parseEnvironment, 'production' as Environment)
    .option('--json', 'print JSON');
}

const userLine = (u: UserSummary) => `${u.user_id}  ${u.status}${u.has_registered_selfie ? '' : '  (no registered selfie)'}  updated ${u.updated_at}`;

export function usersCommand(): Command {
  const cmd = new Command('users').description('manage enrolled users of a partner');
  scoped(cmd.command('list').description('list enrolled users'))
    .option('--limit <n>', 'page size', parsePositiveInt, 100)
    .option('--offset <n>', 'skip this many', (v) => Number(v), 0)
    .action(
      action(async (o: Scope & { limit: number; offset: number }) => {
        const users = await withStorage(o, ({ records: store }) => listUsers(store, o.partner, o.env, o.limit, o.offset));
        output(o.json, users, () => (users.length ? users.map(userLine).join('\n') : 'No enrolled users.'));
      }),
    );
  for (const [name, active, what] of [
    ['deactivate', false, 'disable a user: later jobs fail with 2207'],
    ['reactivate', true, 'enable a disabled user again'],
  ] as const) {
    scoped(cmd.command(name).description(what).requiredOption('--user <id>', 'user_id')).action(
      action(async (o: Scope & { user: string }) => {
        const u = await withStorage(o, ({ records: store }) => setUserActive(store, o.partner, o.env, o.user, active));
        output(o.json, u, () => userLine(u));
      }),
    );
  }
  scoped(cmd.command('delete').description('delete a user, its registered selfie, template and job images (later jobs fail with 2208)'))
    .requiredOption('--user <id>', 'user_id')
    .action(
      action(async (o: Scope & { user: string }) => {
        const u = await withStorage(o, ({ records: store, blobs }) => deleteUser(store, blobs, o.partner, o.env, o.user));
        output(o.json, u, () => `Deleted ${u.user_id}: images and template removed.`);
      }),
    );
  return cmd;
}

export function keysCommand(): Command {
  const cmd = new Command('keys').description('manage API keys');
  scoped(cmd.command('rotate').description('issue a new API key for one environment; the old key stops working at once')).action(
    action(async (o: Scope) => {
      const key = await withStorage(o, ({ records: store }) => rotateApiKey(store, o.partner, o.env));
      output(o.json, { partner_id: o.partner, environment: o.env, api_key: key }, () => `New ${o.env} API key for ${o.partner}: ${key}\nIt is shown once.`);
    }),
  );
  addStorageOptions(
    cmd
      .command('rotate-master')
      .description('put every image, template and API key under a new master key (stop the server first; safe to run again if interrupted)'),
  )
    .addOption(new Option('--new-key-file <file>', 'file holding the new key (32 bytes, base64); needed when the key comes from LIKENESS_MASTER_KEY (default: an embedded installation makes one)').env('LIKENESS_NEW_MASTER_KEY_FILE'))
    .option('--json', 'print JSON')
    .action(
      action(async (o: StorageFlags & { newKeyFile?: string; json?: boolean }) => {
        const { rotateMasterKey } = await import('../../store/rotate-master-key.js');
        const newKey = o.newKeyFile ? Buffer.from(readFileSync(o.newKeyFile, 'utf8').trim(), 'base64') : null;
        const r = await rotateMasterKey({ dataDir: o.data, databaseUrl: o.database ?? null, blobsUrl: o.blobs ?? null }, newKey);
        output(o.json, r, () =>
          [
            `Master key rotated to key ${r.keyId}.`,
            `  images:    ${r.images.rewrapped} re-wrapped, ${r.images.encryptedNow} encrypted for the first time, ${r.images.alreadyCurrent} already under the new key`,
            `  templates: ${r.templates} re-wrapped`,
            `  API keys:  ${r.apiKeys} re-sealed`,
            r.keyFileReplaced
              ? `The new key is in ${masterKeyFile(o.data)}: back it up (backups do not contain it); the old one is gone.`
              : 'Now give every node the new key (LIKENESS_MASTER_KEY) and start them again.',
          ].join('\n'),
        );
      }),
    );
  return cmd;
}

export function callbacksCommand(): Command {
  const cmd = new Command('callbacks').description('inspect and replay result callbacks');
  scoped(cmd.command('list').description("show a job's callback deliveries and attempts"))
    .requiredOption('--job <job_id>', 'the partner job_id')
    .action(
      action(async (o: Scope & { job: string }) => {
        const deliveries = await withStorage(o, async ({ records: store }) => {
          const job = await store.getJob(o.partner, o.env, o.job);
          if (!job) throw new Error(`no job ${o.job} for partner ${o.partner} in ${o.env}`);
          return (await store.listDeliveries(job.smileJobId)).map(({ body: _body, ...d }) => d);
        });
        output(o.json, deliveries, () =>
          deliveries.length
            ? deliveries
                .map((d) => [`#${d.id} ${d.state} → ${d.url} (${d.attempts} attempts)`, ...d.log.map((a) => `   ${a.at}  ${a.status ?? '-'}  ${a.error ?? 'ok'}  ${a.durationMs} ms`)].join('\n'))
                .join('\n')
            : 'No callbacks for this job.',
        );
      }),
    );
  scoped(cmd.command('replay').description("send a job's result callback again (a running server delivers it)"))
    .requiredOption('--job <job_id>', 'the partner job_id')
    .option('--url <callback_url>', 'send to this URL instead of the job’s callback URL')
    .action(
      action(async (o: Scope & { job: string; url?: string }) => {
        const id = await withStorage(o, async ({ records: store }) => {
          const job = await store.getJob(o.partner, o.env, o.job);
          if (!job) throw new Error(`no job ${o.job} for partner ${o.partner} in ${o.env}`);
          if (!job.result) throw new Error(`job ${o.job} has no result yet`);
          // Checked against the allow-list in this environment (LIKENESS_ALLOW_CALLBACK_HOSTS); the server checks again.
          const url = checkCallbackUrl({ config: buildServerConfig({ ...configFromEnv(), dataDir: o.data }) }, o.url) ?? job.callbackUrl;
          if (!url) throw new Error(`job ${o.job} has no callback URL; give --url`);
          return store.enqueueCallback(job.smileJobId, url, smileResultOf(job, job.result) as unknown as Record<string, unknown>);
        });
        output(o.json, { delivery_id: id }, () => `Queued callback delivery #${id}; a running server sends it within a second.`);
      }),
    );
  return cmd;
}

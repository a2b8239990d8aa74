/**
 * @file `likeness partner create|list|config`: partners, their first API keys and the mobile SDKs' smile_config.json,
 * straight in the data directory.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ENV_PREFIX } from '../../http/server.js';
import { createPartnerWithKeys, type PartnerWithKeys } from '../../jobs/api-keys.js';
import { sdkBaseUrls, smileConfigFile } from '../../jobs/sdk-config.js';
import { DEFAULTS } from '../../config/server-config.js';
import { MAX_RETENTION_DAYS } from '../../jobs/image-retention.js';
import { DEDUP_POLICIES, ENVIRONMENTS, type DedupPolicy, type Environment, type RecordStore } from '../../store/types.js';
import { action, output, parseEnvironment, parseNonNegativeInt } from '../cli-support.js';
import { addStorageOptions, withStorage, type StorageFlags } from '../storage-options.js';
import { serverOrigin, serverSandboxUrl, sidServerUrl } from '../server-address.js';

export function partnerJson(created: PartnerWithKeys, origin: string) {
  return {
    partner_id: created.partner.partnerId,
    name: created.partner.name,
    sandbox_api_key: created.keys.sandbox,
    production_api_key: created.keys.production,
    sandbox_url: sidServerUrl(origin, 'sandbox'),
    production_url: sidServerUrl(origin, 'production'),
  };
}

export function describePartner(p: ReturnType<typeof partnerJson>): string {
  return [
    `Partner ID:          ${p.partner_id} (${p.name})`,
    `Sandbox API key:     ${p.sandbox_api_key}`,
    `Production API key:  ${p.production_api_key}`,
    `Sandbox sid_server:  ${p.sandbox_url}`,
    `Production sid_server: ${p.production_url}`,
    'The keys are shown once; rotate them with `likeness keys rotate` if lost. `likeness partner list` shows the partner ID again.',
  ].join('\n');
}

export function partnerCommand(): Command {
  const cmd = new Command('partner').description('manage partners (API clients) and how long their job images are kept');
  addStorageOptions(cmd.command('create').description('create a partner with a sandbox and a production API key'))
    .option('--name <name>', 'partner name', 'Partner')
    .option('--url <origin>', 'public origin of the server (default: where `likeness serve` last listened)')
    .option('--json', 'print JSON')
    .action(
      action(async (opts: StorageFlags & { name: string; url?: string; json?: boolean }) => {
        const created = await withStorage(opts, ({ records }) => createPartnerWithKeys(records, opts.name));
        const json = partnerJson(created, serverOrigin(opts.data, opts.url));
        output(opts.json, json, () => describePartner(json));
      }),
    );
  addStorageOptions(cmd.command('list').description('list partners'))
    .option('--json', 'print JSON')
    .action(
      action(async (opts: StorageFlags & { json?: boolean }) => {
        const partners = await withStorage(opts, ({ records }) => records.listPartners());
        output(opts.json, partners.map((p) => ({ partner_id: p.partnerId, name: p.name, created_at: p.createdAt })), () =>
          partners.length
            ? ['Partner ID  Name (created)', ...partners.map((p) => `${p.partnerId.padEnd(10)}  ${p.name} (created ${p.createdAt})`)].join('\n')
            : 'No partners yet: `likeness partner create` or start the server once.',
        );
      }),
    );
  addStorageOptions(cmd.command('config').description("print smile_config.json for Smile ID's Android, iOS, React Native and Flutter SDKs (docs/mobile.md)"))
    .addOption(new Option('--env <environment>', 'the environment whose auth token the file carries').choices([...ENVIRONMENTS]).makeOptionMandatory())
    .option('--partner <id>', 'partner ID (default: the only partner)')
    .option('--url <origin>', 'public origin of the server (default: where `likeness serve` last listened)')
    .option('--sandbox-url <origin>', 'origin serving the sandbox at its root (default: the `--sandbox-url` `likeness serve` last ran with)')
    .option('--json', 'print JSON (the file is JSON either way)')
    .action(
      action(async (opts: StorageFlags & { env: Environment; partner?: string; url?: string; sandboxUrl?: string }) => {
        const urls = sdkBaseUrls(serverOrigin(opts.data, opts.url), serverSandboxUrl(opts.data, opts.sandboxUrl), ENV_PREFIX.sandbox);
        const file = await withStorage(opts, async ({ records }) => smileConfigFile(records, await choosePartner(records, opts.partner), opts.env, urls));
        output(true, file, () => '');
        if (!urls.sandbox.startsWith(serverOrigin(opts.data, opts.url)) || opts.env === 'production') return;
        process.stderr.write("likeness: the sandbox is on the /sandbox prefix, which Smile ID's Android SDK cannot reach; give it a host name of its own with `likeness serve --sandbox-url` (docs/mobile.md)\n");
      }),
    );
  addStorageOptions(cmd.command('retention').description('show or set how many days a partner environment keeps job images'))
    .requiredOption('--partner <id>', 'partner ID')
    .requiredOption('--env <environment>', 'sandbox or production', parseEnvironment)
    .option('--days <n>', `keep job images this many days (0 = remove them at the next purge after the job completes; at most ${MAX_RETENTION_DAYS})`, parseNonNegativeInt)
    .option('--default', "forget this environment's setting: the server's --image-retention-days applies")
    .option('--json', 'print JSON')
    .action(
      action(async (o: StorageFlags & { partner: string; env: Environment; days?: number; default?: boolean; json?: boolean }) => {
        if (o.days !== undefined && o.default) throw new Error('give --days or --default, not both');
        if (o.days !== undefined && o.days > MAX_RETENTION_DAYS) throw new Error(`--days must be at most ${MAX_RETENTION_DAYS}`);
        const days = await withStorage(o, async ({ records, portal }) => {
          if (!(await records.getPartner(o.partner))) throw new Error(`no partner ${o.partner}`);
          if (o.days !== undefined || o.default) {
            await records.setImageRetention(o.partner, o.env, o.default ? null : o.days!);
            await portal.appendAudit({
              partnerId: o.partner, accountId: null, actorEmail: 'operator (command line)', action: 'retention.set', environment: o.env,
              target: null, detail: o.default ? 'job images kept for the server default' : `job images kept ${o.days} days`,
            });
          }
          return records.getImageRetention(o.partner, o.env);
        });
        output(o.json, { partner_id: o.partner, environment: o.env, image_retention_days: days }, () =>
          days === null
            ? `${o.partner} ${o.env}: job images kept for the server default (--image-retention-days, ${DEFAULTS.imageRetentionDays} unless set).`
            : `${o.partner} ${o.env}: job images kept ${days} days.`,
        );
      }),
    );
  addStorageOptions(cmd.command('dedup').description("show or set what an enrolment does when the face is already enrolled under another user_id (docs/search.md)"))
    .requiredOption('--partner <id>', 'partner ID')
    .requiredOption('--env <environment>', 'sandbox or production', parseEnvironment)
    .option('--policy <policy>', `${DEDUP_POLICIES.join(', ')} (flag: record likely duplicates; review: hold for a person, 0814; reject: fail the enrolment)`, parsePolicy)
    .option('--json', 'print JSON')
    .action(
      action(async (opts: StorageFlags & { partner: string; env: Environment; policy?: DedupPolicy; json?: boolean }) => {
        const policy = await withStorage(opts, async ({ records }) => {
          if (!(await records.getPartner(opts.partner))) throw new InvalidArgumentError(`no partner ${opts.partner}`);
          if (opts.policy) await records.setDedupPolicy(opts.partner, opts.env, opts.policy);
          return records.getDedupPolicy(opts.partner, opts.env);
        });
        output(opts.json, { partner_id: opts.partner, environment: opts.env, policy }, () => `Duplicate enrolments of partner ${opts.partner} (${opts.env}): ${policy}`);
      }),
    );
  return cmd;
}

async function choosePartner(records: RecordStore, given: string | undefined): Promise<string> {
  if (given) return given;
  const partners = await records.listPartners();
  if (partners.length === 1) return partners[0]!.partnerId;
  throw new Error(partners.length ? `several partners (${partners.map((p) => p.partnerId).join(', ')}): choose one with --partner` : 'no partner yet: `likeness partner create`');
}

function parsePolicy(value: string): DedupPolicy {
  if (!(DEDUP_POLICIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${DEDUP_POLICIES.join(', ')}`);
  return value as DedupPolicy;
}

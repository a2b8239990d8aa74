/**
 * @file `likeness partner create|list`: partners and their first API keys, straight in the data directory.
 */
import { Command } from 'commander';
import { createPartnerWithKeys, type PartnerWithKeys } from '../../jobs/api-keys.js';
import { DEFAULTS } from '../../config/server-config.js';
import { MAX_RETENTION_DAYS } from '../../jobs/image-retention.js';
import type { Environment } from '../../store/types.js';
import { action, output, parseEnvironment, parseNonNegativeInt } from '../cli-support.js';
import { addStorageOptions, withStorage, type StorageFlags } from '../storage-options.js';
import { serverOrigin, sidServerUrl } from '../server-address.js';

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
  return cmd;
}

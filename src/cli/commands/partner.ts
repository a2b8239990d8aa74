/**
 * @file `likeness partner create|list`: partners and their first API keys, straight in the data directory.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DEDUP_POLICIES, type DedupPolicy, type Environment } from '../../store/types.js';
import { createPartnerWithKeys, type PartnerWithKeys } from '../../jobs/api-keys.js';
import { action, output, parseEnvironment } from '../cli-support.js';
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
  const cmd = new Command('partner').description('manage partners (API clients)');
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

function parsePolicy(value: string): DedupPolicy {
  if (!(DEDUP_POLICIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${DEDUP_POLICIES.join(', ')}`);
  return value as DedupPolicy;
}

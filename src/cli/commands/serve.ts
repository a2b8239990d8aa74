/**
 * @file `likeness serve` (= `npm start`): the whole service on one machine with embedded defaults.
 */
import { Command } from 'commander';
import { startServer } from '../../app.js';
import { DEFAULTS } from '../../config/server-config.js';
import { createPartnerWithKeys } from '../../jobs/api-keys.js';
import { recordServerOrigin } from '../server-address.js';
import { addSettingOptions, configFromFlagsAndEnv } from '../setting-options.js';
import { describeBlobs, describeDatabase } from '../../store/open-storage.js';
import { describeRuntime } from './engine-command-support.js';
import { describePartner, partnerJson } from './partner.js';

export function serveCommand(): Command {
  return addSettingOptions(new Command('serve').description('run the SmartSelfie API server (HTTPS) with its job queue and face engine'))
    .action(async (opts: Record<string, unknown>) => {
      const input = configFromFlagsAndEnv(opts);
      const overrides = { ...input, dataDir: input.dataDir ?? DEFAULTS.dataDir };
      let server;
      try {
        server = await startServer({ config: overrides });
      } catch (err) {
        process.stderr.write(`likeness: could not start: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      recordServerOrigin(server.config.dataDir, server.origin, server.tls?.certFile ?? null, server.config.sandboxUrl);
      const lines = [
        `Likeness is listening on ${server.origin}  (port ${new URL(server.origin).port})`,
        `  production sid_server: ${server.sidServer('production')}`,
        `  sandbox sid_server:    ${server.sidServer('sandbox')}`,
        `  data directory:        ${server.config.dataDir}`,
        `  role:                  ${server.config.role}`,
        `  database:              ${describeDatabase(server.config)}`,
        `  images:                ${describeBlobs(server.config)}`,
        `  partner portal:        ${server.origin}/portal`,
        `  face engine:           ${describeRuntime(server.ctx.engine.runtime)}`,
        `  metrics:               ${server.metricsOrigin ?? server.origin}/metrics (${server.config.metricsToken ? 'bearer token' : server.metricsOrigin ? 'metrics port' : 'local clients only'})`,
      ];
      if (server.tls?.selfSigned) {
        lines.push(`  self-signed certificate: ${server.tls.certFile}`, `  trust it in Node clients with: NODE_EXTRA_CA_CERTS=${server.tls.certFile}`);
      }
      const partners = await server.ctx.store.listPartners();
      if (partners.length > 0) {
        // A restart: the keys were shown once, but the partner ID is what an integration needs next to the URL.
        lines.push(
          ...partners.map((p, i) => `  ${i === 0 ? 'partner ID:' : '           '}            ${p.partnerId} (${p.name})`),
          `  (likeness partner list --data ${server.config.dataDir} lists them; lost keys: likeness keys rotate)`,
        );
      } else if (!server.config.databaseUrl) {
        // Embedded only: in a cluster several nodes start at once, and partners are made with `likeness partner create`.
        const first = partnerJson(await createPartnerWithKeys(server.ctx.store, 'First partner'), server.origin);
        lines.push(
          '',
          'First run: created a partner.',
          describePartner(first),
          '',
          'Create a portal account for it (prints a one-time password):',
          `  likeness user add --data ${server.config.dataDir} --partner ${first.partner_id} --email you@example.com --role admin`,
        );
      }
      process.stdout.write(lines.join('\n') + '\n');
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        process.stdout.write('likeness: shutting down (finishing jobs in progress)…\n');
        await server.close();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

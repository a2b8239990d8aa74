/**
 * @file `likeness serve` (= `npm start`): the whole service on one machine with embedded defaults.
 */
import { Command, Option } from 'commander';
import { startServer } from '../../app.js';
import type { ExecutionProviderChoice } from '../../engine/index.js';
import { configFromEnv, DEFAULTS, defaultDataDir, type ServerConfig } from '../../config/server-config.js';
import { createPartnerWithKeys } from '../../jobs/api-keys.js';
import { parsePort, parsePositiveInt } from '../cli-support.js';
import { recordServerOrigin } from '../server-address.js';
import { describeRuntime, executionProviderOption } from './engine-command-support.js';
import { describePartner, partnerJson } from './partner.js';

interface ServeOptions {
  data?: string;
  host?: string;
  port?: number;
  publicUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  workers?: number;
  executionProvider?: ExecutionProviderChoice;
  concurrency?: number;
  logLevel?: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the SmartSelfie API server (HTTPS) with its job queue and face engine')
    .addOption(new Option('--data <dir>', 'directory for all state: database, images, TLS certificate, keys').env('LIKENESS_DATA').default(defaultDataDir()))
    .addOption(new Option('--host <address>', 'address to listen on').env('LIKENESS_HOST').default(DEFAULTS.host))
    .addOption(new Option('--port <port>', 'HTTPS port; 0 picks a free one and prints it').env('LIKENESS_PORT').argParser(parsePort).default(DEFAULTS.port))
    .addOption(new Option('--public-url <url>', 'origin clients reach this server at, for upload and image URLs').env('LIKENESS_PUBLIC_URL'))
    .addOption(new Option('--tls-cert <file>', 'PEM certificate (default: a self-signed one under <data>/tls)').env('LIKENESS_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'PEM private key for --tls-cert').env('LIKENESS_TLS_KEY'))
    .addOption(new Option('--workers <n>', 'face engine worker threads').env('LIKENESS_ENGINE_WORKERS').argParser(parsePositiveInt).default(DEFAULTS.engineWorkers))
    .addOption(executionProviderOption())
    .addOption(new Option('--concurrency <n>', 'jobs processed at once').env('LIKENESS_JOB_CONCURRENCY').argParser(parsePositiveInt).default(DEFAULTS.jobConcurrency))
    .addOption(new Option('--log-level <level>', 'pino log level').env('LIKENESS_LOG_LEVEL').default(DEFAULTS.logLevel))
    .action(async (opts: ServeOptions) => {
      const overrides: Partial<ServerConfig> & { dataDir: string } = {
        ...configFromEnv(),
        dataDir: opts.data ?? defaultDataDir(),
        host: opts.host,
        port: opts.port,
        publicUrl: opts.publicUrl ?? null,
        tlsCertFile: opts.tlsCert ?? null,
        tlsKeyFile: opts.tlsKey ?? null,
        engineWorkers: opts.workers,
        engineExecutionProvider: opts.executionProvider,
        jobConcurrency: opts.concurrency,
        logLevel: opts.logLevel,
      };
      let server;
      try {
        server = await startServer({ config: overrides });
      } catch (err) {
        process.stderr.write(`likeness: could not start: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      recordServerOrigin(server.config.dataDir, server.origin, server.tls.certFile);
      const lines = [
        `Likeness is listening on ${server.origin}  (port ${new URL(server.origin).port})`,
        `  production sid_server: ${server.sidServer('production')}`,
        `  sandbox sid_server:    ${server.sidServer('sandbox')}`,
        `  data directory:        ${server.config.dataDir}`,
        `  partner portal:        ${server.origin}/portal`,
        `  face engine:           ${describeRuntime(server.ctx.engine.runtime)}`,
      ];
      if (server.tls.selfSigned) {
        lines.push(`  self-signed certificate: ${server.tls.certFile}`, `  trust it in Node clients with: NODE_EXTRA_CA_CERTS=${server.tls.certFile}`);
      }
      const partners = await server.ctx.store.listPartners();
      if (partners.length > 0) {
        // A restart: the keys were shown once, but the partner ID is what an integration needs next to the URL.
        lines.push(
          ...partners.map((p, i) => `  ${i === 0 ? 'partner ID:' : '           '}            ${p.partnerId} (${p.name})`),
          `  (likeness partner list --data ${server.config.dataDir} lists them; lost keys: likeness keys rotate)`,
        );
      } else {
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

/**
 * @file `likeness migrate`: copies an embedded data directory into a cluster's database and object store, then
 * compares counts and image hashes. Safe to run again after an interruption.
 */
import { Command, Option } from 'commander';
import { action, output } from '../cli-support.js';

interface MigrateOptions {
  fromData: string;
  database: string;
  blobs: string;
  json?: boolean;
}

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('copy an embedded installation (--from-data) into a cluster (--database, --blobs); needs LIKENESS_MASTER_KEY of the cluster')
    .requiredOption('--from-data <dir>', 'the embedded data directory (stop its server first)')
    .addOption(new Option('--database <url>', 'postgres://… database of the cluster').env('LIKENESS_DATABASE_URL').makeOptionMandatory())
    .addOption(new Option('--blobs <url>', 's3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true').env('LIKENESS_BLOBS_URL').makeOptionMandatory())
    .option('--json', 'print JSON')
    .action(
      action(async (o: MigrateOptions) => {
        const { migrateIntoCluster } = await import('../../store/migrate-embedded.js');
        const report = await migrateIntoCluster(o.fromData, o.database, o.blobs, o.json ? undefined : (line) => process.stderr.write(`${line}\n`));
        output(o.json, report, () =>
          [
            ...report.tables.map((t) => `${t.table.padEnd(20)} source ${t.source}  cluster ${t.target}${t.source === t.target ? '' : '  MISMATCH'}`),
            `images               ${report.images.total} checked by SHA-256, ${report.images.copied} copied in this run` +
              (report.images.missing.length ? `, ${report.images.missing.length} MISSING from the source` : '') +
              (report.images.mismatched.length ? `, ${report.images.mismatched.length} MISMATCHED` : ''),
            report.ok ? 'Migration verified: counts and image hashes match.' : 'Migration NOT verified: see the lines above; run it again after fixing the cause.',
          ].join('\n'),
        );
        if (!report.ok) process.exitCode = 1;
      }),
    );
}

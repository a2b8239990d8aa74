/**
 * @file `likeness backup` and `likeness restore`: an embedded installation (database and images) to one archive
 * and back. The master key is never in the archive; both commands check that it is at hand.
 */
import { Command, Option } from 'commander';
import { action, output } from '../cli-support.js';
import { addStorageOptions, type StorageFlags } from '../storage-options.js';

const CLUSTER_REFUSAL =
  'backup and restore are for the embedded mode; back up a cluster with its own tools (pg_dump for PostgreSQL, ' +
  'bucket versioning or replication for the images) and keep LIKENESS_MASTER_KEY apart from them';

export function backupCommand(): Command {
  return addStorageOptions(new Command('backup').description('write the database and images of an embedded installation to one archive (the master key stays out of it; the server may keep running)'))
    .requiredOption('--to <file>', 'the archive to write (.tar.gz); must not exist')
    .option('--json', 'print JSON')
    .action(
      action(async (o: StorageFlags & { to: string; json?: boolean }) => {
        if (o.database || o.blobs) throw new Error(CLUSTER_REFUSAL);
        const { backupEmbedded } = await import('../../store/backup.js');
        const r = await backupEmbedded(o.data, o.to);
        output(o.json, r, () =>
          [
            `Backup written: ${r.file} (${(r.bytes / 1e6).toFixed(1)} MB, ${r.images} images).`,
            `It is sealed under master key ${r.masterKeyId}, which is NOT in it: keep a copy of the key (${o.data}/secrets/master.key or LIKENESS_MASTER_KEY) somewhere else; without it the backup cannot be restored.`,
          ].join('\n'),
        );
      }),
    );
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description('restore a `likeness backup` archive into a new or empty data directory; needs the master key it was made under')
    .requiredOption('--from <file>', 'the archive')
    .requiredOption('--data <dir>', 'the data directory to create (must be empty or absent)')
    .addOption(new Option('--master-key-file <file>', "the backup's master key (base64), written to <data>/secrets/master.key (default: LIKENESS_MASTER_KEY, kept there)"))
    .addOption(new Option('--database <url>').env('LIKENESS_DATABASE_URL').hideHelp())
    .option('--json', 'print JSON')
    .action(
      action(async (o: { from: string; data: string; masterKeyFile?: string; database?: string; json?: boolean }) => {
        if (o.database) throw new Error(CLUSTER_REFUSAL);
        const { restoreEmbedded } = await import('../../store/backup.js');
        const r = await restoreEmbedded(o.from, o.data, o.masterKeyFile ?? null);
        output(o.json, r, () =>
          [
            `Restored into ${r.dataDir}: database and ${r.images} images, verified against the archive's hashes and master key ${r.masterKeyId}.`,
            r.keyFile ? `Master key written to ${r.keyFile}.` : 'The master key stays in LIKENESS_MASTER_KEY: set it for the server too.',
            `Start it with: likeness serve --data ${r.dataDir}`,
          ].join('\n'),
        );
      }),
    );
}

/**
 * @file `likeness search --partner P --env E --selfie F [--json]`: the operator's 1:N face search of a partner
 * environment's enrolled users, on the same storage as the server (--data, or --database/--blobs), audited like the
 * API's.
 */
import { Command, Option } from 'commander';
import pino from 'pino';
import { createEngine, type ExecutionProviderChoice } from '../../engine/index.js';
import { DEFAULT_SEARCH_RESULTS, searchBySelfie } from '../../jobs/face-search-request.js';
import { FaceIndexRegistry } from '../../search/face-index-registry.js';
import type { Environment } from '../../store/types.js';
import { action, output, parseEnvironment, parsePositiveInt } from '../cli-support.js';
import { addStorageOptions, withStorage, type StorageFlags } from '../storage-options.js';
import { executionProviderOption, parseWorkers, readImageFile } from './engine-command-support.js';

/** Who a CLI search is, in the audit log. */
export const CLI_ACTOR = 'operator (likeness search)';

interface SearchFlags extends StorageFlags {
  partner: string;
  env: Environment;
  selfie: string;
  limit: number;
  minSimilarity?: number;
  json?: boolean;
  workers: number;
  executionProvider: ExecutionProviderChoice;
}

export function searchCommand(): Command {
  return addStorageOptions(new Command('search').description("find a partner environment's enrolled users whose face matches a selfie (1:N; audited)"))
    .requiredOption('--partner <id>', 'partner ID')
    .requiredOption('--env <environment>', 'sandbox or production', parseEnvironment)
    .requiredOption('--selfie <file>', 'photo to search for (JPEG, PNG or WebP)')
    .option('--limit <n>', 'most results', parsePositiveInt, DEFAULT_SEARCH_RESULTS)
    .option('--min-similarity <x>', 'lowest similarity returned (default: the duplicate threshold)', Number)
    .option('--json', 'print JSON')
    .addOption(new Option('--workers <n>', 'inference worker threads').argParser(parseWorkers).default(1))
    .addOption(executionProviderOption())
    .action(
      action(async (o: SearchFlags) => {
        const selfie = await readImageFile(o.selfie);
        const engine = await createEngine({ workers: o.workers, executionProvider: o.executionProvider });
        try {
          const answer = await withStorage(o, async ({ records, portal }) => {
            const faces = new FaceIndexRegistry(records, pino({ level: 'silent' }));
            try {
              return await searchBySelfie(
                { store: records, engine, faces, audit: portal },
                { partnerId: o.partner, environment: o.env, selfie, limit: o.limit, minSimilarity: o.minSimilarity, actor: { accountId: null, email: CLI_ACTOR } },
              );
            } finally {
              faces.close();
            }
          });
          const results = answer.results.map((r) => ({ user_id: r.userId, similarity: r.similarity }));
          output(o.json, { results, limit: answer.limit, min_similarity: answer.minSimilarity }, () =>
            results.length
              ? [`${results.length} enrolled user(s) at similarity ≥ ${answer.minSimilarity}:`, ...results.map((r) => `${r.similarity.toFixed(4)}  ${r.user_id}`)].join('\n')
              : `No enrolled user of partner ${o.partner} (${o.env}) at similarity ≥ ${answer.minSimilarity}.`,
          );
        } finally {
          await engine.close();
        }
      }),
    );
}

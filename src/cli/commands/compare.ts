/**
 * @file `likeness compare A B [--json]`: are the main faces of two photos the same person (`samePerson`), and would a
 * verification accept them (`match`: also both pass the quality gates and neither is a spoof)?
 */
import { Command, Option } from 'commander';
import { createEngine, type ExecutionProviderChoice } from '../../engine/index.js';
import { action, output } from '../cli-support.js';
import { executionProviderOption, imageJson, imageText, parseWorkers, r4, readImageFile, withFileNames } from './engine-command-support.js';

export function compareCommand(): Command {
  return new Command('compare')
    .description('compare the main faces of two photos: match needs the same person, good quality and no spoof (exit 0 either way)')
    .argument('<a>', 'first photo (JPEG, PNG or WebP)')
    .argument('<b>', 'second photo')
    .option('--json', 'print one JSON object')
    .addOption(new Option('--workers <n>', 'inference worker threads').argParser(parseWorkers).default(2))
    .addOption(executionProviderOption())
    .action(
      action(async (a: string, b: string, opts: { json?: boolean; workers: number; executionProvider: ExecutionProviderChoice }) => {
        const [ba, bb] = await Promise.all([readImageFile(a), readImageFile(b)]);
        const engine = await createEngine({ workers: opts.workers, executionProvider: opts.executionProvider });
        try {
          const r = await withFileNames([a, b], () => engine.compare(ba, bb), (i) => engine.analyze([ba, bb][i]));
          const value = {
            similarity: r4(r.similarity),
            match: r.match,
            samePerson: r.samePerson,
            threshold: r.threshold,
            images: [imageJson(a, r.images[0]), imageJson(b, r.images[1])],
          };
          output(opts.json, value, () =>
            [
              `${r.match ? 'MATCH' : 'NO MATCH'}: similarity ${r.similarity.toFixed(3)} (threshold ${r.threshold}); ${r.samePerson ? 'same person' : 'not the same person'}${r.samePerson && !r.match ? ', but an image fails a quality gate or is flagged as a spoof' : ''}`,
              imageText(a, r.images[0]),
              imageText(b, r.images[1]),
            ].join('\n'),
          );
        } finally {
          await engine.close();
        }
      }),
    );
}

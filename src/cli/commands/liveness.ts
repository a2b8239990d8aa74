/** @file `likeness liveness --selfie S F1 … F8 [--json]`: is this burst a live person, the selfie's person? */
import { Command, Option } from 'commander';
import { createEngine, ImageError, type ExecutionProviderChoice } from '../../engine/index.js';
import { action, output } from '../cli-support.js';
import { executionProviderOption, imageJson, imageText, parseWorkers, r4, readImageFile } from './engine-command-support.js';

export function livenessCommand(): Command {
  return new Command('liveness')
    .description('judge a selfie and its liveness frames (0–8); without frames the selfie\'s passive anti-spoof decides')
    .requiredOption('--selfie <file>', 'the selfie photo')
    .argument('[frames...]', 'liveness frames, in capture order')
    .option('--json', 'print one JSON object')
    .addOption(new Option('--workers <n>', 'inference worker threads').argParser(parseWorkers).default(2))
    .addOption(executionProviderOption())
    .action(
      action(async (frames: string[], opts: { selfie: string; json?: boolean; workers: number; executionProvider: ExecutionProviderChoice }) => {
        const selfie = await readImageFile(opts.selfie);
        const frameBytes = await Promise.all(frames.map(readImageFile));
        const engine = await createEngine({ workers: opts.workers, executionProvider: opts.executionProvider });
        try {
          // Unreadable frames count as frames without a face, so an ImageError here is always the selfie's.
          const m = await engine.smartSelfie({ selfie, liveness: frameBytes }).catch((err: unknown) => {
            throw ImageError.isImageError(err) ? new Error(`${opts.selfie}: ${err.message} (${err.reason})`) : err;
          });
          const [selfieAnalysis, r] = [m.selfie, m.liveness];
          const value = {
            live: r.live,
            score: r4(r.score),
            reasons: r.reasons,
            frames: r.frames,
            framesWithFace: r.framesWithFace,
            minSimilarityToSelfie: r.minSimilarityToSelfie === null ? null : r4(r.minSimilarityToSelfie),
            spoofScore: r4(r.spoofScore),
            antiSpoof: { ...r.antiSpoof, selfie: r.antiSpoof.selfie === null ? null : r4(r.antiSpoof.selfie), frames: r.antiSpoof.frames.map(r4) },
            motion: r.motion && Object.fromEntries(Object.entries(r.motion).map(([k, v]) => [k, r4(v)])),
            selfie: imageJson(opts.selfie, selfieAnalysis),
          };
          output(opts.json, value, () =>
            [
              `${r.live ? 'LIVE' : 'NOT LIVE'}: score ${r.score.toFixed(3)}${r.reasons.length ? ` (${r.reasons.join(', ')})` : ''}`,
              `frames with a face: ${r.framesWithFace}/${r.frames}, aggregated P(real) ${r.spoofScore.toFixed(3)} ` +
                `(${r.antiSpoof.aggregation} of ${r.antiSpoof.frames.length + (r.antiSpoof.selfie === null ? 0 : 1)} images, ${r.antiSpoof.imagesBelowThreshold} below ${r.antiSpoof.threshold})`,
              imageText(opts.selfie, selfieAnalysis),
            ].join('\n'),
          );
        } finally {
          await engine.close();
        }
      }),
    );
}

/**
 * @file Where the evaluation photos in ../shared are (never copied into the repo), and whether they are present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = process.env.LIKENESS_SHARED_DIR ?? resolve(REPO_ROOT, '..', 'shared');
export const HAS_SHARED = existsSync(join(SHARED_DIR, 'faces', 'identities.csv'));
export const SHARED_MISSING = `../shared is absent (looked in ${SHARED_DIR}); these tests need its photos and run on CI`;

export const sharedPath = (...parts: string[]): string => join(SHARED_DIR, ...parts);
export const sharedFile = (...parts: string[]): Buffer => readFileSync(sharedPath(...parts));

/** Liveness burst frames f01..f08 of a burst directory. */
export const burstFrames = (name: string): string[] => Array.from({ length: 8 }, (_, i) => sharedPath('bursts', name, `f0${i + 1}.jpg`));

/**
 * @file Remembers where `likeness serve` last listened, so operator commands can print the URLs partners need.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_PREFIX } from '../http/server.js';
import type { Environment } from '../store/types.js';

const FILE = 'server.json';

export function recordServerOrigin(dataDir: string, origin: string, certFile: string | null): void {
  writeFileSync(join(dataDir, FILE), JSON.stringify({ origin, certFile }, null, 2) + '\n');
}

export function serverOrigin(dataDir: string, override?: string): string {
  if (override) return override.replace(/\/+$/, '');
  const file = join(dataDir, FILE);
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { origin: string }).origin;
  return 'https://127.0.0.1:8443';
}

export function sidServerUrl(origin: string, environment: Environment): string {
  return `${origin}${ENV_PREFIX[environment]}/v1`;
}

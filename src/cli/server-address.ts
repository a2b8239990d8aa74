/**
 * @file Remembers where `likeness serve` last listened, so operator commands can print the URLs partners need.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_PREFIX } from '../http/server.js';
import type { Environment } from '../store/types.js';

const FILE = 'server.json';

interface Recorded {
  origin: string;
  certFile: string | null;
  /** The sandbox's own origin (`--sandbox-url`), when configured. */
  sandboxUrl?: string | null;
}

export function recordServerOrigin(dataDir: string, origin: string, certFile: string | null, sandboxUrl: string | null = null): void {
  const recorded: Recorded = { origin, certFile, sandboxUrl };
  writeFileSync(join(dataDir, FILE), JSON.stringify(recorded, null, 2) + '\n');
}

function recorded(dataDir: string): Recorded | null {
  const file = join(dataDir, FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Recorded) : null;
}

export function serverOrigin(dataDir: string, override?: string): string {
  if (override) return override.replace(/\/+$/, '');
  return recorded(dataDir)?.origin ?? 'https://127.0.0.1:8443';
}

/** The sandbox's own origin: the override, else the one `likeness serve` last ran with, else none. */
export function serverSandboxUrl(dataDir: string, override?: string): string | null {
  if (override) return override.replace(/\/+$/, '');
  return recorded(dataDir)?.sandboxUrl ?? null;
}

export function sidServerUrl(origin: string, environment: Environment): string {
  return `${origin}${ENV_PREFIX[environment]}/v1`;
}

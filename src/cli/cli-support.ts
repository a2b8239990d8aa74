/**
 * @file Shared bits of the operator commands: option parsing, output as text or JSON, and clear failures.
 */
import { InvalidArgumentError } from 'commander';
import { isApiError } from '../errors/api-errors.js';
import { ENVIRONMENTS, type Environment } from '../store/types.js';

export function parseEnvironment(value: string): Environment {
  if (!(ENVIRONMENTS as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${ENVIRONMENTS.join(', ')}`);
  return value as Environment;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return n;
}

/** Prints JSON (for scripts) or the text rendering (for people). */
export function output(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
}

/** Runs a command body; known errors become one clear line on stderr and exit code 1 (2 for usage errors). */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const msg = isApiError(err) ? `${err.message} (code ${err.code})` : (err as Error)?.message ?? String(err);
      process.stderr.write(`likeness: ${msg}\n`);
      process.exitCode = 1;
    }
  };
}

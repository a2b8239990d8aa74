/**
 * @file What the client commands (enroll, authenticate, status) share: connection flags, exit codes, error
 * reporting and result printing. They talk to a server over HTTP(S) through `likeness/client`, never in-process.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import {
  LikenessAbortError, LikenessApiError, LikenessClient, LikenessError, LikenessJobTimeoutError, LikenessValidationError,
  type JobStatus,
} from '../../client/index.js';

/** Exit codes of the client commands (documented in docs/sdk.md). */
export const EXIT = Object.freeze({
  /** Approved (or, with --no-wait, accepted by the server). */
  APPROVED: 0,
  /** An unexpected failure inside the CLI. */
  INTERNAL: 1,
  REJECTED: 2,
  /** Provisional: awaiting human review. */
  UNDER_REVIEW: 3,
  /** Bad flags or arguments, unreadable image or CA file. */
  USAGE: 4,
  /** Could not get an answer: network, TLS, timeout, 5xx, or a malformed / badly signed response. */
  NETWORK: 5,
  /** The server refused the request (4xx), e.g. unknown user 2210, duplicate job 2215, bad key 2205. */
  REFUSED: 6,
  /** The job has not completed (status without --wait, or --timeout reached). */
  PENDING: 7,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
});

const EXIT_CODES_HELP = `
Exit codes:
  0  approved (with --no-wait: accepted)     4  usage error (flags, unreadable file)
  2  rejected                                5  network, TLS, timeout or server (5xx) error
  3  under review (provisional)              6  refused by the server (4xx, e.g. 2210, 2215, 2205)
  7  not complete yet (pending, or --timeout reached)     130  interrupted`;

export interface ConnectionFlags {
  url: string;
  partner: string;
  key: string;
  ca?: string;
  json?: boolean;
  requestTimeout: number;
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new CommanderError(EXIT.USAGE, 'commander.invalidArgument', `${name} must be a positive number`);
    return n;
  };
}

/** Adds the flags every client command takes, and maps Commander's usage errors to exit code 4. */
export function withConnectionFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'server base URL ending with its path prefix, e.g. https://host:8443/v1').env('LIKENESS_URL').makeOptionMandatory())
    .addOption(new Option('--partner <id>', 'partner ID').env('LIKENESS_PARTNER_ID').makeOptionMandatory())
    .addOption(new Option('--key <key>', 'API key of the environment --url points at (prefer the env variable: flags show in ps)').env('LIKENESS_API_KEY').makeOptionMandatory())
    .addOption(new Option('--ca <file>', 'PEM file of a CA to trust (e.g. the server\'s self-signed certificate); NODE_EXTRA_CA_CERTS works too'))
    .addOption(new Option('--request-timeout <seconds>', 'time limit of each HTTP request').default(30).argParser(positiveNumber('--request-timeout')))
    .option('--json', 'print one JSON object on stdout instead of text')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : EXIT.USAGE);
    });
}

export function parseSeconds(name: string) {
  return positiveNumber(name);
}

/** Collects repeated `--param key=value` flags into an object. */
export function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CommanderError(EXIT.USAGE, 'commander.invalidArgument', `--param expects key=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function clientFrom(flags: ConnectionFlags): LikenessClient {
  let ca: string | undefined;
  if (flags.ca) {
    try {
      ca = readFileSync(flags.ca, 'utf8');
    } catch (err) {
      throw new LikenessValidationError(`--ca: cannot read ${flags.ca} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return new LikenessClient({ url: flags.url, partnerId: flags.partner, apiKey: flags.key, ca, timeoutMs: flags.requestTimeout * 1000 });
}

/** An AbortSignal that fires on Ctrl-C, so a wait ends cleanly with exit code 130. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}

/** Progress lines go to stderr so stdout stays clean for the result. */
export function progress(flags: { json?: boolean }, message: string): void {
  if (!flags.json) process.stderr.write(`${message}\n`);
}

export function exitCodeForOutcome(status: JobStatus): number {
  switch (status.outcome) {
    case 'approved': return EXIT.APPROVED;
    case 'rejected': return EXIT.REJECTED;
    case 'under_review': return EXIT.UNDER_REVIEW;
    default: return EXIT.PENDING;
  }
}

const OUTCOME_TEXT = { approved: 'APPROVED', rejected: 'REJECTED', under_review: 'UNDER REVIEW', pending: 'PENDING' } as const;

/** Prints a job status (text or JSON) and sets the exit code from its outcome. */
export function printStatus(flags: { json?: boolean }, ref: { userId: string; jobId: string }, status: JobStatus): void {
  if (flags.json) {
    const { raw, ...summary } = status;
    process.stdout.write(`${JSON.stringify({ userId: ref.userId, jobId: ref.jobId, ...summary, raw })}\n`);
  } else {
    const lines = [
      `Result:      ${OUTCOME_TEXT[status.outcome]}`,
      status.resultCode ? `Code:        ${status.resultCode} ${status.resultText ?? ''}`.trimEnd() : `Status:      ${status.resultText ?? '(no result yet)'}`,
      status.confidence !== undefined ? `Confidence:  ${status.confidence}` : undefined,
      `Job:         user ${ref.userId}, job ${ref.jobId}${status.smileJobId ? `, Smile job ${status.smileJobId}` : ''}`,
    ];
    const actions = Object.entries(status.actions ?? {}).filter(([, v]) => v && v !== 'Not Applicable');
    if (actions.length > 0) lines.push('Actions:', ...actions.map(([k, v]) => `  ${k}: ${v}`));
    for (const [name, link] of Object.entries(status.imageLinks ?? {})) lines.push(`Image:       ${name} ${link}`);
    if (status.history) lines.push(`History:     ${status.history.length} completed job(s) for this user`);
    process.stdout.write(`${lines.filter((l) => l !== undefined).join('\n')}\n`);
  }
  process.exitCode = exitCodeForOutcome(status);
}

/** Reports an error (text on stderr, or JSON on stdout) and sets the matching exit code. */
export function reportError(flags: { json?: boolean }, err: unknown): void {
  let exitCode: number = EXIT.INTERNAL;
  if (err instanceof LikenessAbortError) exitCode = EXIT.INTERRUPTED;
  else if (err instanceof LikenessValidationError || err instanceof CommanderError) exitCode = EXIT.USAGE;
  else if (err instanceof LikenessJobTimeoutError) exitCode = EXIT.PENDING;
  else if (err instanceof LikenessApiError) exitCode = err.status >= 500 ? EXIT.NETWORK : EXIT.REFUSED;
  else if (err instanceof LikenessError) exitCode = EXIT.NETWORK;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (flags.json) {
    const status = err instanceof LikenessApiError ? err.status : undefined;
    process.stdout.write(`${JSON.stringify({ error: { code: typeof code === 'string' ? code : undefined, message, status } })}\n`);
  } else {
    process.stderr.write(`likeness: ${message}${typeof code === 'string' && !message.includes(code) ? ` [${code}]` : ''}\n`);
  }
  process.exitCode = exitCode;
}

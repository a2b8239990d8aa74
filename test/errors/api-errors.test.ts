import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DATA_INVALID, RESULT_CODES, ZIP_CORRUPT } from '../../src/decision/result-codes.js';
import { API_ERRORS, ApiError, apiError, CLIENT_ERRORS, isApiError, RETIRED_CODES, STATUS_CODES, type ApiErrorName } from '../../src/errors/api-errors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const names = Object.keys(API_ERRORS) as ApiErrorName[];

const docsText = readFileSync(path.join(repoRoot, 'docs', 'errors.md'), 'utf8');

/** The text of one `## heading` section of docs/errors.md. */
function section(heading: string): string {
  const start = docsText.indexOf(`## ${heading}`);
  expect(start, `docs/errors.md has no "## ${heading}"`).toBeGreaterThanOrEqual(0);
  const next = docsText.indexOf('\n## ', start + 3);
  return docsText.slice(start, next < 0 ? undefined : next);
}

/** Table rows of a section: the cells of every `| ... |` line that is not a table's header. */
function rows(text: string): string[][] {
  const lines = text.split('\n');
  return lines
    .filter((l, i) => /^\| /.test(l) && !lines[i + 1]?.startsWith('|---'))
    .map((l) => l.slice(2, -2).split(' | ').map((c) => c.trim()));
}

const errorRow = (name: string) => {
  const spec = API_ERRORS[name as ApiErrorName];
  return [`\`${name}\``, spec.code, String(spec.httpStatus), spec.message, spec.when];
};

describe('API error registry', () => {
  it('has unique four-digit codes that reuse no retired code', () => {
    const codes = [...names.map((name) => API_ERRORS[name].code), ...Object.values(STATUS_CODES).map((s) => s.code)];
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^\d{4}$/);
    for (const retired of Object.keys(RETIRED_CODES)) expect(codes).not.toContain(retired);
  });

  it('keeps Smile ID codes for the documented conditions', () => {
    expect(API_ERRORS.UNAUTHORIZED.code).toBe('2205');
    expect(API_ERRORS.JOB_ALREADY_EXISTS.code).toBe('2215');
    expect(API_ERRORS.USER_NOT_ENROLLED.code).toBe('2210');
    expect(API_ERRORS.NO_ZIP_RECEIVED.code).toBe('2314');
    expect(names.filter((name) => !API_ERRORS[name].extension).map((name) => API_ERRORS[name].code).sort()).toEqual(
      ['2201', '2203', '2204', '2205', '2207', '2208', '2209', '2210', '2212', '2213', '2215', '2314'],
    );
  });

  it('is documented row for row in docs/errors.md, Smile ID codes apart from extensions, and nothing else is', () => {
    const smile = names.filter((n) => !API_ERRORS[n].extension);
    const ext = names.filter((n) => API_ERRORS[n].extension);
    expect(rows(section('Smile ID codes'))).toEqual(smile.map(errorRow));
    const extensions = rows(section('Likeness extensions'));
    expect(extensions.filter((r) => r.length === 5)).toEqual(ext.map(errorRow));
    expect(extensions.filter((r) => r.length === 2)).toEqual(Object.entries(RETIRED_CODES));
  });

  it('documents the status codes of successful answers and the client error codes', () => {
    expect(rows(section('Status codes of successful answers'))).toEqual(
      Object.entries(STATUS_CODES).map(([name, s]) => [`\`${name}\``, s.code, '200', s.message, s.when]),
    );
    expect(rows(section('Client errors'))).toEqual(Object.entries(CLIENT_ERRORS).map(([name, s]) => [`\`${name}\``, s.code, s.when]));
  });

  it('documents the result code table with the source of every row', () => {
    const table = [
      ...Object.entries(RESULT_CODES.enroll).map(([o, e]) => ['enrolment', o, e] as const),
      ...Object.entries(RESULT_CODES.authenticate).map(([o, e]) => ['authentication', o, e] as const),
      ['both', 'selfie unusable', DATA_INVALID] as const,
      ['both', 'zip unreadable', ZIP_CORRUPT] as const,
    ];
    expect(rows(section('Result codes'))).toEqual(table.map(([kind, outcome, e]) => [kind, outcome, e.code, e.text, e.category, e.source]));
  });

  it('is the only place codes are written: no bare code string in src outside the registries', () => {
    const registries = new Set(['src/errors/api-errors.ts', 'src/decision/result-codes.ts']);
    const offenders: string[] = [];
    for (const file of readdirSync(path.join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' })) {
      const rel = `src/${file.split(path.sep).join('/')}`;
      if (!rel.endsWith('.ts') || registries.has(rel)) continue;
      // Comments may cite codes; code may not.
      const text = readFileSync(path.join(repoRoot, rel), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '');
      for (const m of text.matchAll(/(['"`])(\d{4}|LIK_ERR_[A-Z_]+)\1/g)) offenders.push(`${rel}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('ApiError', () => {
  it('serialises to the Smile ID error body', () => {
    const err = apiError('UNAUTHORIZED');
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toBeInstanceOf(Error);
    expect(err.httpStatus).toBe(401);
    expect(err.errorName).toBe('UNAUTHORIZED');
    expect(JSON.parse(JSON.stringify(err))).toEqual({ code: '2205', error: 'You are not authorized to do that' });
  });

  it('carries a specific message and cause', () => {
    const cause = new Error('boom');
    const err = apiError('MISSING_PARAMETER', 'partner_params.job_id is missing', { cause });
    expect(err.toJSON()).toEqual({ code: '2213', error: 'partner_params.job_id is missing' });
    expect(err.cause).toBe(cause);
  });

  it('is recognised by isApiError, other errors are not', () => {
    expect(isApiError(apiError('SYSTEM_ERROR'))).toBe(true);
    expect(isApiError(new Error('x'))).toBe(false);
    expect(isApiError({ code: '2205', error: 'x' })).toBe(false);
    expect(isApiError(null)).toBe(false);
  });
});

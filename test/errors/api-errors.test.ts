import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_ERRORS, ApiError, apiError, isApiError, type ApiErrorName } from '../../src/errors/api-errors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const names = Object.keys(API_ERRORS) as ApiErrorName[];

/** Rows of the docs tables: | `NAME` | code | http | message | when | */
function documentedRows(): Map<string, { code: string; httpStatus: number; message: string }> {
  const text = readFileSync(path.join(repoRoot, 'docs', 'errors.md'), 'utf8');
  const rows = new Map<string, { code: string; httpStatus: number; message: string }>();
  for (const match of text.matchAll(/^\| `([A-Z_]+)` \| (\d{4}) \| (\d{3}) \| ([^|]+) \|/gm)) {
    rows.set(match[1]!, { code: match[2]!, httpStatus: Number(match[3]), message: match[4]!.trim() });
  }
  return rows;
}

describe('API error registry', () => {
  it('has unique four-digit codes', () => {
    const codes = names.map((name) => API_ERRORS[name].code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^\d{4}$/);
  });

  it('keeps Smile ID codes for the documented conditions', () => {
    expect(API_ERRORS.UNAUTHORIZED.code).toBe('2205');
    expect(API_ERRORS.JOB_ALREADY_EXISTS.code).toBe('2215');
    expect(API_ERRORS.USER_NOT_ENROLLED.code).toBe('2210');
    expect(API_ERRORS.NO_ZIP_RECEIVED.code).toBe('2314');
    expect(names.filter((name) => !API_ERRORS[name].extension).map((name) => API_ERRORS[name].code).sort()).toEqual(
      ['2201', '2203', '2204', '2205', '2207', '2208', '2209', '2210', '2211', '2212', '2213', '2215', '2216', '2314'],
    );
  });

  it('is documented row for row in docs/errors.md', () => {
    const rows = documentedRows();
    for (const name of names) {
      const spec = API_ERRORS[name];
      expect(rows.get(name), `docs/errors.md lacks ${name}`).toEqual({
        code: spec.code,
        httpStatus: spec.httpStatus,
        message: spec.message,
      });
    }
    expect([...rows.keys()].sort()).toEqual([...names].sort());
  });

  it('documents extensions separately from Smile ID codes', () => {
    const text = readFileSync(path.join(repoRoot, 'docs', 'errors.md'), 'utf8');
    const extensionsSection = text.slice(text.indexOf('## Likeness extensions'));
    for (const name of names) {
      expect(extensionsSection.includes(`\`${name}\``), name).toBe(API_ERRORS[name].extension);
    }
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

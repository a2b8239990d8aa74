/**
 * @file The client's request and result types and the server's JSON schemas (the ones /openapi.json publishes) name
 * the same fields. The type assertions fail `npm run typecheck` (run before the tests) when a field is added to one
 * side only; the runtime checks feed the schemas' own examples through the client.
 */
import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../src/client/result-outcome.js';
import { toJobStatus } from '../../src/client/likeness-client.js';
import type { CallbackBody, JobResult, JobStatusResponse, PrepUploadResponse } from '../../src/client/result-types.js';
import type { JobStatusResponse as ServerJobStatusResponse, PrepUploadResponse as ServerPrepUploadResponse, SmileResult, V2Response } from '../../src/protocol/result-format.js';
import {
  callbackBodySchema,
  jobStatusResponseSchema,
  prepUploadResponseSchema,
  smileResultSchema,
  tokenResponseSchema,
  v2ResponseSchema,
} from '../../src/protocol/response-schemas.js';
import {
  jobStatusRequestSchema,
  prepUploadRequestSchema,
  tokenRequestSchema,
  type JobStatusRequest,
  type PrepUploadRequest,
  type TokenRequest,
  type TokenResponse,
} from '../../src/protocol/schemas.js';

/** The named fields of a type, without its index signature. */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };
type SchemaKeys<S extends { properties: object }> = keyof S['properties'];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when both sides name the same fields. */
const agree = <T extends true>(): T | undefined => undefined;

agree<Same<KnownKeys<JobStatusResponse>, SchemaKeys<typeof jobStatusResponseSchema>>>();
agree<Same<KnownKeys<ServerJobStatusResponse>, SchemaKeys<typeof jobStatusResponseSchema>>>();
agree<Same<KnownKeys<JobResult>, SchemaKeys<typeof smileResultSchema>>>();
agree<Same<KnownKeys<SmileResult>, SchemaKeys<typeof smileResultSchema>>>();
agree<Same<KnownKeys<CallbackBody>, SchemaKeys<typeof callbackBodySchema>>>();
agree<Same<KnownKeys<PrepUploadResponse>, SchemaKeys<typeof prepUploadResponseSchema>>>();
agree<Same<KnownKeys<ServerPrepUploadResponse>, SchemaKeys<typeof prepUploadResponseSchema>>>();
agree<Same<KnownKeys<TokenResponse>, SchemaKeys<typeof tokenResponseSchema>>>();
agree<Same<KnownKeys<V2Response>, SchemaKeys<typeof v2ResponseSchema>>>();
agree<Same<KnownKeys<PrepUploadRequest>, SchemaKeys<typeof prepUploadRequestSchema>>>();
agree<Same<KnownKeys<JobStatusRequest>, SchemaKeys<typeof jobStatusRequestSchema>>>();
agree<Same<KnownKeys<TokenRequest>, SchemaKeys<typeof tokenRequestSchema>>>();

// The schemas' examples are values of the client's types.
const statusExamples: readonly JobStatusResponse[] = jobStatusResponseSchema.examples;
const callbackExample: CallbackBody = callbackBodySchema.examples[0];
const prepExample: PrepUploadResponse = prepUploadResponseSchema.examples[0];
const requestExamples: [PrepUploadRequest, JobStatusRequest, TokenRequest] = [
  prepUploadRequestSchema.examples[0],
  jobStatusRequestSchema.examples[0],
  tokenRequestSchema.examples[0],
];

describe('client types and server schemas', () => {
  it('the client reads the documented examples as the server means them', () => {
    const [complete, pending] = statusExamples;
    expect(toJobStatus(complete)).toMatchObject({ complete: true, success: true, outcome: 'approved', code: '2302', resultCode: '1220', smileJobId: '0000000042' });
    expect(outcomeOf(pending)).toBe('pending');
    expect(callbackExample.signature.length).toBeGreaterThan(0);
    expect(prepExample.upload_url).toMatch(/^https:/);
    expect(requestExamples.map((r) => Object.keys(r).length)).toEqual([11, 7, 7]);
  });
});

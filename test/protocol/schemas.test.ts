import AjvCompiler from '@fastify/ajv-compiler';
import { Ajv } from 'ajv';
import smileIdentityCore from 'smile-identity-core';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-errors.js';
import {
  coerceBoolean,
  errorResponseSchema,
  jobStatusRequestSchema,
  prepUploadRequestSchema,
  tokenRequestSchema,
} from '../../src/protocol/schemas.js';

const { Signature } = smileIdentityCore;

/** Validators built exactly as Fastify builds them (its default ajv options: coerceTypes 'array', removeAdditional…). */
const buildFastifyValidator = AjvCompiler()({}, { customOptions: {} } as never);
function fastifyValidate(schema: object, data: unknown): { valid: boolean; data: unknown } {
  const copy = structuredClone(data);
  const validate = buildFastifyValidator({ schema } as never) as unknown as (d: unknown) => boolean;
  return { valid: validate(copy), data: copy };
}

/** And with plain strict ajv (no coercion), to show the schemas mean what they say without Fastify's leniency. */
const strictAjv = new Ajv({ strict: true });
function strictValidate(schema: object, data: unknown): boolean {
  return strictAjv.validate(schema, data);
}

const signed = new Signature('001', 'key').generate_signature('2026-11-21T23:20:35.956Z');
/** Body exactly as the JS SDK 3.2.1 sends it (PROTOCOL.md §3.1). */
const jsPrepUpload = {
  callback_url: 'https://cb.example/cb',
  file_name: 'selfie.zip',
  model_parameters: {},
  partner_params: { user_id: 'u1', job_id: 'j1', job_type: 2, any_extra: 'x' },
  smile_client_id: '001',
  use_enrolled_image: false,
  entered: 'false',
  ...signed,
  source_sdk: 'javascript',
  source_sdk_version: '3.2.1',
};

describe('prepUploadRequestSchema', () => {
  it('accepts the JS SDK body, keeping id_info keys spread at top level', () => {
    const { valid, data } = fastifyValidate(prepUploadRequestSchema, jsPrepUpload);
    expect(valid).toBe(true);
    expect(data).toEqual(jsPrepUpload);
    expect(strictValidate(prepUploadRequestSchema, jsPrepUpload)).toBe(true);
  });

  it('accepts Python/Ruby/Android variants: no use_enrolled_image, null callback, string booleans, numeric timestamp', () => {
    for (const body of [
      { ...jsPrepUpload, use_enrolled_image: undefined, callback_url: null, source_sdk: 'Python' },
      { ...jsPrepUpload, use_enrolled_image: 'true', retry: 'false', allow_new_enroll: true, metadata: [] },
      { ...jsPrepUpload, timestamp: 1763767235956, partner_params: { user_id: 7, job_id: 'j', job_type: '4' } },
    ]) {
      const clean = JSON.parse(JSON.stringify(body));
      expect(strictValidate(prepUploadRequestSchema, clean), JSON.stringify(clean)).toBe(true);
      expect(fastifyValidate(prepUploadRequestSchema, clean).valid).toBe(true);
    }
  });

  it.each([
    ['smile_client_id'],
    ['signature'],
    ['timestamp'],
    ['partner_params'],
  ])('rejects a body without %s', (key) => {
    const body: Record<string, unknown> = { ...jsPrepUpload };
    delete body[key];
    expect(strictValidate(prepUploadRequestSchema, body)).toBe(false);
    expect(fastifyValidate(prepUploadRequestSchema, body).valid).toBe(false);
  });

  it.each(['user_id', 'job_id', 'job_type'])('rejects partner_params without %s', (key) => {
    const partner: Record<string, unknown> = { ...jsPrepUpload.partner_params };
    delete partner[key];
    const body = { ...jsPrepUpload, partner_params: partner };
    expect(strictValidate(prepUploadRequestSchema, body)).toBe(false);
    expect(fastifyValidate(prepUploadRequestSchema, body).valid).toBe(false);
  });

  it('rejects wrong types', () => {
    for (const body of [
      { ...jsPrepUpload, partner_params: 'u1' },
      { ...jsPrepUpload, partner_params: { ...jsPrepUpload.partner_params, job_type: 'four' } },
      { ...jsPrepUpload, partner_params: { ...jsPrepUpload.partner_params, user_id: '' } },
      { ...jsPrepUpload, use_enrolled_image: 'yes' },
      { ...jsPrepUpload, signature: '' },
      { ...jsPrepUpload, smile_client_id: { id: 1 } },
    ]) {
      expect(strictValidate(prepUploadRequestSchema, body), JSON.stringify(body)).toBe(false);
      expect(fastifyValidate(prepUploadRequestSchema, body).valid, JSON.stringify(body)).toBe(false);
    }
  });
});

describe('jobStatusRequestSchema', () => {
  const body = { user_id: 'u1', job_id: 'j1', partner_id: '001', history: false, image_links: true, ...signed };

  it('accepts the JS SDK body, with or without the history/image_links flags', () => {
    expect(strictValidate(jobStatusRequestSchema, body)).toBe(true);
    const { history: _h, image_links: _i, ...bare } = body;
    expect(strictValidate(jobStatusRequestSchema, bare)).toBe(true);
    expect(fastifyValidate(jobStatusRequestSchema, { ...body, history: 'true' }).valid).toBe(true);
  });

  it('rejects missing auth or ids and non-boolean flags', () => {
    for (const key of ['user_id', 'job_id', 'partner_id', 'signature', 'timestamp']) {
      const partial: Record<string, unknown> = { ...body };
      delete partial[key];
      expect(strictValidate(jobStatusRequestSchema, partial), key).toBe(false);
    }
    expect(strictValidate(jobStatusRequestSchema, { ...body, history: 'sometimes' })).toBe(false);
  });
});

describe('tokenRequestSchema', () => {
  const body = {
    user_id: 'u1',
    job_id: 'j1',
    product: 'authentication',
    callback_url: 'https://cb.example/cb',
    partner_id: '001',
    ...signed,
  };

  it('accepts the JS SDK body', () => {
    expect(strictValidate(tokenRequestSchema, body)).toBe(true);
    expect(fastifyValidate(tokenRequestSchema, body).valid).toBe(true);
  });

  it('rejects unknown products and missing fields', () => {
    expect(strictValidate(tokenRequestSchema, { ...body, product: 'teleport' })).toBe(false);
    const { product: _p, ...noProduct } = body;
    expect(strictValidate(tokenRequestSchema, noProduct)).toBe(false);
  });
});

describe('errorResponseSchema', () => {
  it('matches the ApiError body', () => {
    expect(strictValidate(errorResponseSchema, new ApiError('UNAUTHORIZED').toJSON())).toBe(true);
    expect(strictValidate(errorResponseSchema, { code: 2205 })).toBe(false);
  });
});

describe('coerceBoolean', () => {
  it('reads booleans and the SDKs\' string booleans', () => {
    expect(coerceBoolean(true, 'x')).toBe(true);
    expect(coerceBoolean('true', 'x')).toBe(true);
    expect(coerceBoolean(false, 'x')).toBe(false);
    expect(coerceBoolean('false', 'x')).toBe(false);
  });

  it('falls back for absent values', () => {
    expect(coerceBoolean(undefined, 'x')).toBe(false);
    expect(coerceBoolean(null, 'x', true)).toBe(true);
  });

  it('rejects anything else with a 2204 naming the field', () => {
    for (const value of ['yes', 'TRUE', 1, 0, '', {}]) {
      expect(() => coerceBoolean(value, 'use_enrolled_image')).toThrowError(/use_enrolled_image must be true or false/);
    }
    let caught: unknown;
    try {
      coerceBoolean('1', 'retry');
    } catch (err) {
      caught = err;
    }
    expect((caught as ApiError).toJSON()).toEqual({ code: '2204', error: 'retry must be true or false' });
  });
});

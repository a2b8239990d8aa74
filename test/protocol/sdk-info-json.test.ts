/**
 * Builds prep_upload, info.json and the zip with the official SDK's own code (smile-identity-core 3.2.1,
 * dist/src/web-api.js), then reads them back with the protocol layer. The SDK does not export its zip and
 * info.json builders, so its module source is evaluated with its own `require` to reach them; nothing is copied.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { Ajv } from 'ajv';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalisePartnerParams, parseInfoJson } from '../../src/protocol/info-json.js';
import { buildPrepUploadResponse, buildRefId } from '../../src/protocol/result-format.js';
import { prepUploadRequestSchema } from '../../src/protocol/schemas.js';
import { verifySignature } from '../../src/protocol/signature.js';
import { readUploadZip } from '../../src/protocol/upload-zip.js';

interface SdkInternals {
  validateIdInfo(idInfo: Record<string, unknown>, jobType: number): string;
  validateBooleans(options: Record<string, unknown>): Record<string, boolean>;
  configurePrepUploadPayload(data: SdkJobData): Record<string, unknown>;
  configureInfoJson(data: SdkJobData, serverInformation: unknown): Record<string, unknown>;
  zipUpFile(images: SdkImage[], infoJson: unknown): Promise<Uint8Array>;
}
interface SdkImage {
  image_type_id: number;
  image: string;
}
type SdkJobData = Record<string, unknown> & { images: SdkImage[] };

function loadSdkInternals(): SdkInternals {
  const file = createRequire(import.meta.url).resolve('smile-identity-core/dist/src/web-api.js');
  const source = readFileSync(file, 'utf8');
  const wrapper = vm.runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${source}\n` +
      'return { validateIdInfo, validateBooleans, configurePrepUploadPayload, configureInfoJson, zipUpFile };\n})',
    { filename: file },
  ) as (...args: unknown[]) => SdkInternals;
  return wrapper({}, createRequire(file), { exports: {} }, file, path.dirname(file));
}

/** The job data `WebApi#submit_job` assembles before `setupRequests` (web-api.js 3.2.1, lines 471–490). */
function submitJobData(
  sdk: SdkInternals,
  partnerParams: Record<string, unknown>,
  images: SdkImage[],
  idInfo: Record<string, unknown>,
  options: Record<string, unknown>,
): SdkJobData {
  const jobType = parseInt(String(partnerParams.job_type), 10);
  return {
    partner_id: PARTNER_ID,
    api_key: API_KEY,
    url: 'https://127.0.0.1:8443/v1',
    callback_url: options.optional_callback ?? 'https://cb.example/default',
    timestamp: new Date().toISOString(),
    images,
    partner_params: { ...partnerParams, job_type: jobType },
    idInfo: { ...idInfo, entered: sdk.validateIdInfo(idInfo, jobType) },
    ...sdk.validateBooleans(options),
  };
}

const PARTNER_ID = '001';
const API_KEY = 'sandbox-api-key-for-tests';

let sdk: SdkInternals;
let dir: string;
let selfiePath: string;
let livenessPath: string;
let selfie: Buffer;
let liveness: Buffer;

beforeAll(async () => {
  sdk = loadSdkInternals();
  dir = mkdtempSync(path.join(tmpdir(), 'likeness-sdk-zip-'));
  const jpeg = (r: number) =>
    sharp({ create: { width: 64, height: 64, channels: 3, background: { r, g: 120, b: 90 } } }).jpeg().toBuffer();
  selfie = await jpeg(200);
  liveness = await jpeg(40);
  selfiePath = path.join(dir, 'selfie.jpg');
  livenessPath = path.join(dir, 'liveness-1.jpg');
  writeFileSync(selfiePath, selfie);
  writeFileSync(livenessPath, liveness);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function runSdk(partnerParams: Record<string, unknown>, images: SdkImage[], options: Record<string, unknown> = {}) {
  const data = submitJobData(sdk, partnerParams, images, {}, options);
  const prepUpload = JSON.parse(JSON.stringify(sdk.configurePrepUploadPayload(data)));
  const serverInformation = buildPrepUploadResponse({
    uploadUrl: 'https://127.0.0.1:8443/v1/uploads/abc',
    refId: buildRefId(PARTNER_ID, '0000000001'),
    smileJobId: '0000000001',
  });
  const zip = Buffer.from(await sdk.zipUpFile(data.images, sdk.configureInfoJson(data, serverInformation)));
  return { prepUpload, zip };
}

describe('official JS SDK 3.2.1 output', () => {
  it('prep_upload body passes the schema and its signature verifies', async () => {
    const { prepUpload } = await runSdk({ user_id: 'u1', job_id: 'j1', job_type: 4 }, [{ image_type_id: 0, image: selfiePath }]);
    expect(new Ajv({ strict: true }).validate(prepUploadRequestSchema, prepUpload)).toBe(true);
    expect(prepUpload).toMatchObject({ smile_client_id: PARTNER_ID, entered: 'false', source_sdk: 'javascript' });
    expect(verifySignature(API_KEY, prepUpload.smile_client_id, prepUpload.timestamp, prepUpload.signature)).toBe(true);
  });

  it('enrollment zip: file selfie, base64 selfie and liveness, file liveness left as a local path', async () => {
    const partnerParams = { user_id: 'user-1', job_id: 'job-1', job_type: '4', campaign: 'spring' };
    const { prepUpload, zip } = await runSdk(
      partnerParams,
      [
        { image_type_id: 0, image: selfiePath },
        { image_type_id: 2, image: selfie.toString('base64') },
        { image_type_id: 4, image: livenessPath },
        { image_type_id: 6, image: liveness.toString('base64') },
      ],
      { return_job_status: true },
    );
    const files = await readUploadZip(zip);
    // Only info.json and the type-0 file are zipped, flat, by basename.
    expect([...files.keys()].sort()).toEqual(['info.json', 'selfie.jpg']);

    const parsed = parseInfoJson(files.get('info.json')!, files, {
      expectedPartnerParams: normalisePartnerParams(prepUpload.partner_params),
    });
    expect(parsed.partnerParams).toEqual({ user_id: 'user-1', job_id: 'job-1', job_type: 4, campaign: 'spring' });
    expect(parsed.partnerParamsSource).toBe('prep_upload');
    expect(parsed.signature).toBeUndefined();
    expect(parsed.timestamp).toBe(prepUpload.timestamp);
    expect(parsed.callbackUrl).toBe('https://cb.example/default');
    expect(parsed.sourceSdk).toBe('javascript');
    expect(parsed.retry).toBe(false);
    expect(parsed.idInfo).toEqual({ entered: 'false' });
    expect(parsed.counts).toEqual({ selfie: 2, liveness: 1, id_front: 0, id_back: 0 });
    expect(parsed.images.map((i) => [i.typeId, i.origin])).toEqual([
      [0, 'zip'],
      [2, 'base64'],
      [6, 'base64'],
    ]);
    expect(parsed.images[0]!.data.equals(selfie)).toBe(true);
    expect(parsed.images[1]!.data.equals(selfie)).toBe(true);
    expect(parsed.images[2]!.data.equals(liveness)).toBe(true);
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/images\[2\].*local path/);
  });

  it('authentication zip with a base64 selfie only (nothing but info.json zipped)', async () => {
    const { zip } = await runSdk({ user_id: 'user-1', job_id: 'job-2', job_type: 2 }, [
      { image_type_id: 2, image: selfie.toString('base64') },
    ]);
    const files = await readUploadZip(zip);
    expect([...files.keys()]).toEqual(['info.json']);
    const parsed = parseInfoJson(files.get('info.json')!, files);
    expect(parsed.partnerParams.job_type).toBe(2);
    expect(parsed.counts.selfie).toBe(1);
    expect(parsed.images[0]!.data.equals(selfie)).toBe(true);
  });
});

/**
 * @file Parses and normalises the info.json of an uploaded job zip as the JS, Python and Android SDKs write it (PROTOCOL.md §3.3).
 */
import { apiError } from '../errors/api-errors.js';
import { coerceBoolean } from './schemas.js';

export type ImageRole = 'selfie' | 'liveness' | 'id_front' | 'id_back';
export type ImageOrigin = 'zip' | 'base64';

/** Smile ID image type ids (§3.3): even/odd pairs of file (in the zip) and base64 (inline) forms. */
export const IMAGE_TYPES: Readonly<Record<number, { role: ImageRole; origin: ImageOrigin }>> = Object.freeze({
  0: { role: 'selfie', origin: 'zip' },
  1: { role: 'id_front', origin: 'zip' },
  2: { role: 'selfie', origin: 'base64' },
  3: { role: 'id_front', origin: 'base64' },
  4: { role: 'liveness', origin: 'zip' },
  5: { role: 'id_back', origin: 'zip' },
  6: { role: 'liveness', origin: 'base64' },
  7: { role: 'id_back', origin: 'base64' },
});

export interface PartnerParams {
  user_id: string;
  job_id: string;
  job_type: number;
  /** Partner-defined extras, echoed back in results. */
  [extra: string]: unknown;
}

export interface JobImage {
  typeId: number;
  role: ImageRole;
  data: Buffer;
  origin: ImageOrigin;
  fileName?: string;
}

export interface ParsedInfoJson {
  partnerParams: PartnerParams;
  /** Where `partnerParams` came from: the signed prep_upload (when given) is authoritative over info.json. */
  partnerParamsSource: 'prep_upload' | 'info_json';
  callbackUrl?: string;
  retry: boolean;
  timestamp?: string;
  /** Present from Python/Ruby; the JS SDK omits it (§3.3). */
  signature?: string;
  smileClientId?: string;
  /** `package_information.language` ("javascript", "python"); absent from Android. */
  sourceSdk?: string;
  idInfo?: Record<string, unknown>;
  /** In info.json order. The caller decides what a missing selfie means (result 0001), using `counts`. */
  images: JobImage[];
  counts: Record<ImageRole, number>;
  /** Problems that leave the job usable, e.g. JS liveness files sent as local paths. */
  warnings: string[];
}

export interface ParseInfoJsonOptions {
  /** The job's partner_params from its prep_upload. Used when info.json has none (Android); must agree otherwise. */
  expectedPartnerParams?: PartnerParams;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function idString(value: unknown, field: string): string {
  if (isAbsent(value)) throw apiError('MISSING_PARAMETER', `${field} is missing`);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw apiError('INVALID_PARAMETER_TYPE', `${field} must be a string`);
}

/** Accepts the number or numeric string the SDKs send (JS parseInts, Android serialises ids as strings). */
function integerOf(value: unknown, field: string): number {
  if (isAbsent(value)) throw apiError('MISSING_PARAMETER', `${field} is missing`);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^[0-9]{1,9}$/.test(value)) return Number(value);
  throw apiError('INVALID_PARAMETER_TYPE', `${field} must be a non-negative integer`);
}

/**
 * Validates `partner_params` (from prep_upload or info.json): ids become strings, `job_type` a number, extras are
 * kept in their original order and form. Errors: 2213 when it or an id is missing, 2204 for wrong types.
 */
export function normalisePartnerParams(value: unknown, field = 'partner_params'): PartnerParams {
  if (value === undefined || value === null) throw apiError('MISSING_PARAMETER', `${field} is missing`);
  if (!isPlainObject(value)) throw apiError('INVALID_PARAMETER_TYPE', `${field} must be an object`);
  const normalised: Record<string, unknown> = { ...value };
  normalised.user_id = idString(value.user_id, `${field}.user_id`);
  normalised.job_id = idString(value.job_id, `${field}.job_id`);
  normalised.job_type = integerOf(value.job_type, `${field}.job_type`);
  return normalised as PartnerParams;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  throw apiError('INVALID_PARAMETER_TYPE', `${field} must be a string`);
}

function optionalObject(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (isPlainObject(value)) return value;
  throw apiError('INVALID_PARAMETER_TYPE', `${field} must be an object`);
}

const DATA_URL_PREFIX = /^data:[^,]*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Standard or URL-safe base64, optionally as a `data:` URL, whitespace ignored. */
function decodeBase64Image(value: unknown, field: string): Buffer {
  if (isAbsent(value)) throw apiError('MISSING_PARAMETER', `${field} is missing`);
  if (typeof value !== 'string') throw apiError('INVALID_PARAMETER_TYPE', `${field} must be a base64 string`);
  // Node's decoder skips characters outside the alphabet, so a plain string decodes to exactly its full length only
  // when every character is valid: that check costs nothing, where the scans below take ~0.1 ms per liveness frame.
  const direct = Buffer.from(value, 'base64');
  if (direct.length > 0 && value.length % 4 !== 1 && direct.length === base64Length(value)) return direct;
  const text = value.trim().replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  const data = BASE64.test(text) && text.length % 4 !== 1 ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (data.length === 0) throw apiError('INVALID_PARAMETER_TYPE', `${field} is not valid base64`);
  return data;
}

/** Bytes a base64 string of only alphabet characters and trailing '=' padding decodes to. */
function base64Length(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.floor(((text.length - padding) * 3) / 4);
}

function parseJson(raw: Buffer | string): Record<string, unknown> {
  const text = (typeof raw === 'string' ? raw : raw.toString('utf8')).replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw apiError('INVALID_JSON', `info.json is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isPlainObject(parsed)) throw apiError('INVALID_JSON', 'info.json must be a JSON object');
  return parsed;
}

function resolvePartnerParams(
  fromInfo: unknown,
  expected: PartnerParams | undefined,
): Pick<ParsedInfoJson, 'partnerParams' | 'partnerParamsSource'> {
  if (fromInfo === undefined || fromInfo === null) {
    if (expected) return { partnerParams: expected, partnerParamsSource: 'prep_upload' };
    throw apiError('MISSING_PARAMETER', 'misc_information.partner_params is missing from info.json');
  }
  const parsed = normalisePartnerParams(fromInfo, 'misc_information.partner_params');
  if (!expected) return { partnerParams: parsed, partnerParamsSource: 'info_json' };
  for (const key of ['user_id', 'job_id', 'job_type'] as const) {
    if (parsed[key] !== expected[key]) {
      throw apiError(
        'PARTNER_PARAMS_MISMATCH',
        `info.json partner_params.${key} is ${JSON.stringify(parsed[key])} ` +
          `but the upload was prepared for ${JSON.stringify(expected[key])}`,
      );
    }
  }
  return { partnerParams: expected, partnerParamsSource: 'prep_upload' };
}

function parseImages(
  value: unknown,
  files: ReadonlyMap<string, Buffer>,
  warnings: string[],
): JobImage[] {
  if (value === undefined || value === null) throw apiError('MISSING_PARAMETER', 'images is missing from info.json');
  if (!Array.isArray(value)) throw apiError('INVALID_PARAMETER_TYPE', 'images must be an array');
  const images: JobImage[] = [];
  const fileUsers = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const field = `images[${index}]`;
    if (!isPlainObject(item)) throw apiError('INVALID_PARAMETER_TYPE', `${field} must be an object`);
    const typeId = integerOf(item.image_type_id, `${field}.image_type_id`);
    const type = IMAGE_TYPES[typeId];
    if (!type) throw apiError('INVALID_PARAMETER_TYPE', `${field}.image_type_id ${typeId} is not a known image type (0-7)`);
    if (type.origin === 'base64') {
      images.push({ typeId, role: type.role, origin: 'base64', data: decodeBase64Image(item.image, `${field}.image`) });
      return;
    }
    const fileName = optionalString(item.file_name, `${field}.file_name`) ?? '';
    if (fileName === '') {
      // JS SDK quirk (§3.2): file types 4/5 are never zipped; `image` holds the client's local path instead.
      if ((typeId === 4 || typeId === 5) && typeof item.image === 'string' && item.image !== '') {
        warnings.push(
          `${field}: ${type.role.replace('_', ' ')} image type ${typeId} was given as a local path on the client and ` +
            'was not uploaded (the JS SDK does not zip types 4 and 5); send it as base64 (type 6 or 7) instead',
        );
        return;
      }
      throw apiError('MISSING_PARAMETER', `${field}.file_name is missing`);
    }
    const data = files.get(fileName);
    if (!data) {
      throw apiError('MISSING_PARAMETER', `${field} names file ${JSON.stringify(fileName)}, which is not in the zip`);
    }
    const previous = fileUsers.get(fileName);
    if (previous !== undefined) {
      warnings.push(`${field} and images[${previous}] name the same file ${JSON.stringify(fileName)}`);
    } else {
      fileUsers.set(fileName, index);
    }
    images.push({ typeId, role: type.role, origin: 'zip', data, fileName });
  });
  return images;
}

/**
 * Parses info.json against the zip's files. Throws an ApiError: 2203 for malformed JSON, 2213 for missing ids,
 * images or zip files, 2204 for wrong types or bad base64, 2293 when it contradicts `expectedPartnerParams`.
 */
export function parseInfoJson(
  raw: Buffer | string,
  files: ReadonlyMap<string, Buffer>,
  options: ParseInfoJsonOptions = {},
): ParsedInfoJson {
  const info = parseJson(raw);
  const misc = optionalObject(info.misc_information, 'misc_information') ?? {};
  const packageInfo = optionalObject(info.package_information, 'package_information') ?? {};
  const warnings: string[] = [];
  const images = parseImages(info.images, files, warnings);
  const counts: Record<ImageRole, number> = { selfie: 0, liveness: 0, id_front: 0, id_back: 0 };
  for (const image of images) counts[image.role] += 1;
  const timestamp = typeof misc.timestamp === 'number' ? String(misc.timestamp) : misc.timestamp;
  const callbackUrl = optionalString(misc.callback_url, 'misc_information.callback_url')?.trim();
  return {
    ...resolvePartnerParams(misc.partner_params, options.expectedPartnerParams),
    ...(callbackUrl ? { callbackUrl } : {}),
    retry: coerceBoolean(misc.retry, 'misc_information.retry'),
    ...defined('timestamp', optionalString(timestamp, 'misc_information.timestamp')),
    ...defined('signature', optionalString(misc.signature, 'misc_information.signature')),
    ...defined('smileClientId', optionalString(misc.smile_client_id, 'misc_information.smile_client_id')),
    ...defined('sourceSdk', optionalString(packageInfo.language, 'package_information.language')),
    ...defined('idInfo', optionalObject(info.id_info, 'id_info')),
    images,
    counts,
    warnings,
  };
}

/** Keeps optional keys absent rather than `undefined`, so results compare and serialise cleanly. */
function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

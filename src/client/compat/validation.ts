/**
 * @file The official SDK's argument checks, in its order and with its messages (PROTOCOL.md §6), minus its bugs:
 * a missing `id_info` is treated as `{}` instead of crashing, and numeric strings are accepted as image types.
 */
import { LikenessValidationError } from '../errors.js';
import type { IdInfo, PartnerParams } from '../result-types.js';

const fail = (message: string): never => {
  throw new LikenessValidationError(message);
};

export function validatePartnerParams(partnerParams: unknown): asserts partnerParams is PartnerParams {
  if (!partnerParams) fail('Please ensure that you send through partner params');
  if (typeof partnerParams !== 'object') fail('Partner params needs to be an object');
  for (const key of ['user_id', 'job_id', 'job_type'] as const) {
    if (!(partnerParams as Record<string, unknown>)[key]) fail(`Please make sure that ${key} is included in the partner params`);
  }
}

/** Returns `entered` as the string the protocol carries ("true"/"false"). */
export function validateIdInfo(idInfo: IdInfo, jobType: number): 'true' | 'false' {
  const entered = idInfo.entered === undefined ? 'false' : String(idInfo.entered);
  const requireKeys = (keys: Array<'country' | 'id_type' | 'id_number'>): void => {
    for (const key of keys) {
      const value = idInfo[key];
      if (!value || value.length === 0) fail(`Please make sure that ${key} is included in the id_info`);
    }
  };
  if (entered === 'false') {
    if (jobType === 6) requireKeys(['country']);
    else if (jobType === 11) requireKeys(['country', 'id_type']);
    return 'false';
  }
  if (entered === 'true') {
    requireKeys(['country', 'id_type', 'id_number']);
    return 'true';
  }
  return fail('Please make sure that idInfo.entered is either true, false, or undefined');
}

export interface ValidatedBooleans {
  return_job_status: boolean;
  return_history: boolean;
  return_images: boolean;
  use_enrolled_image: boolean;
  return_image_links: boolean;
}

export function validateBooleans(options: Record<string, unknown>): ValidatedBooleans {
  const check = (key: keyof ValidatedBooleans): boolean => {
    const value = options[key];
    if (!value) return false;
    if (typeof value !== 'boolean') fail(`${key} needs to be a boolean`);
    return true;
  };
  return {
    return_job_status: check('return_job_status'),
    return_history: check('return_history'),
    return_images: check('return_images'),
    use_enrolled_image: check('use_enrolled_image'),
    return_image_links: check('return_image_links'),
  };
}

/** `image_type_id` as a number (the official SDK compares strictly, so "0" would fail there). */
export function imageTypeOf(image: { image_type_id: unknown }): number {
  return typeof image.image_type_id === 'number' ? image.image_type_id : Number.parseInt(String(image.image_type_id), 10);
}

export function validateImages(images: unknown, useEnrolledImage: boolean, jobType: number): asserts images is Array<{ image_type_id: number | string; image: unknown }> {
  if (!images) fail('Please ensure that you send through image details');
  if (!Array.isArray(images)) fail('Image details needs to be an array');
  const list = images as Array<{ image_type_id: unknown }>;
  for (const image of list) {
    if (typeof image !== 'object' || image === null || !Number.isInteger(imageTypeOf(image)) || imageTypeOf(image) < 0 || imageTypeOf(image) > 7) {
      fail('Each image needs an image_type_id from 0 to 7 and an image');
    }
  }
  const isDocV = jobType === 6 || jobType === 11;
  const hasSelfie = list.some((i) => [0, 2].includes(imageTypeOf(i)));
  if (!hasSelfie && (!useEnrolledImage || !isDocV)) fail('You need to send through at least one selfie image');
}

export function validateReturnData(callbackUrl: unknown, returnJobStatus: boolean): void {
  if ((typeof callbackUrl !== 'string' || callbackUrl.length === 0) && !returnJobStatus) {
    fail('Please choose to either get your response via the callback or job status query');
  }
}

export function validateJobTypeImages(jobType: number, images: Array<{ image_type_id: unknown }>, entered: string): void {
  const hasIdImage = images.some((i) => [1, 3].includes(imageTypeOf(i)));
  if (jobType === 1 && !hasIdImage && entered !== 'true') {
    fail('You are attempting to complete a job type 1 without providing an id card image or id info');
  }
  if ((jobType === 6 || jobType === 11) && !hasIdImage) {
    fail('You are attempting to complete a Document Verification job without providing an id card image');
  }
}

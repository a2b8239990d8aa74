/**
 * @file Builds what is uploaded for a job: `info.json` (PROTOCOL.md §3.3) and the flat zip holding it and every
 * file-type image — liveness files (type 4) included, which the official JS SDK leaves out.
 */
import JSZip from 'jszip';
import type { IdInfo, PartnerParams, PrepUploadResponse } from './result-types.js';

/** Image types whose bytes travel as files in the zip (0 selfie, 1 ID front, 4 liveness, 5 ID back). */
export const FILE_IMAGE_TYPES: ReadonlySet<number> = new Set([0, 1, 4, 5]);

/** One `images[]` entry; `bytes` is set for file types and goes into the zip under `file_name`. */
export interface PackageImage {
  image_type_id: number;
  /** Base64 for the base64 types, empty for file types. */
  image: string;
  file_name: string;
  bytes?: Buffer;
}

export interface InfoJsonInput {
  partnerId: string;
  partnerParams: PartnerParams;
  timestamp: string;
  signature: string;
  callbackUrl: string | null | undefined;
  idInfo: IdInfo;
  images: PackageImage[];
  serverInformation: PrepUploadResponse;
  retry: boolean;
  sourceSdk: string;
}

export function buildInfoJson(input: InfoJsonInput): Record<string, unknown> {
  return {
    package_information: {
      apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 },
      language: input.sourceSdk,
    },
    misc_information: {
      signature: input.signature,
      retry: input.retry ? 'true' : 'false',
      partner_params: input.partnerParams,
      timestamp: input.timestamp,
      file_name: 'selfie.zip',
      smile_client_id: input.partnerId,
      callback_url: input.callbackUrl ?? '',
      // Present because the official SDK sends it; carries no information.
      userData: {
        isVerifiedProcess: false, name: '', fbUserID: '', firstName: '', lastName: '', gender: '', email: '', phone: '',
        countryCode: '+', countryName: '',
      },
    },
    id_info: input.idInfo,
    images: input.images.map(({ image_type_id, image, file_name }) => ({ image_type_id, image, file_name })),
    server_information: input.serverInformation,
  };
}

/** Zips `info.json` and the file-type images (STORE: JPEG and PNG do not compress further). */
export async function buildZip(infoJson: Record<string, unknown>, images: PackageImage[]): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('info.json', JSON.stringify(infoJson));
  for (const image of images) {
    if (image.bytes) zip.file(image.file_name, image.bytes);
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'STORE' });
}

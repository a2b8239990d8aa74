/**
 * @file Wire types of the SmartSelfie™ protocol as the client sees them (PROTOCOL.md §3–4, §7–8). Field names are the
 * server's; index signatures keep fields this version does not know about. They are written for callers (optional
 * where a Smile ID server may omit a field); test/client/schema-agreement.test.ts proves they name exactly the fields
 * of the server's response schemas (src/protocol/response-schemas.ts), which /openapi.json publishes.
 */

/** `partner_params`: your identifiers for the user and the job, plus any extra keys (echoed back in results). */
export interface PartnerParams {
  user_id: string | number;
  job_id: string | number;
  job_type: number | string;
  [key: string]: unknown;
}

/** Known `Actions` keys (PROTOCOL.md §7.3). */
export type ActionKey =
  | 'Liveness_Check' | 'Register_Selfie' | 'Selfie_Provided' | 'Selfie_Check' | 'Selfie_To_Registered_Selfie_Compare'
  | 'Update_Registered_Selfie_On_File' | 'Human_Review_Compare' | 'Human_Review_Liveness_Check'
  | 'Human_Review_Selfie_Check' | 'Human_Review_Update_Selfie' | 'Verify_ID_Number' | 'Return_Personal_Info'
  | 'Selfie_To_ID_Authority_Compare' | 'Selfie_To_ID_Card_Compare' | 'Document_Check' | 'Human_Review_Document_Check'
  | 'Verify_Document';

/** Known `Actions` values (PROTOCOL.md §7.3). */
export type ActionValue =
  | 'Passed' | 'Completed' | 'Approved' | 'Verified' | 'Provisionally Approved' | 'Returned' | 'Not Returned' | 'Failed'
  | 'Rejected' | 'Under Review' | 'Unable To Determine' | 'Not Applicable' | 'Not Verified' | 'Not Done'
  | 'Issuer Unavailable' | 'ID Authority Photo Not Available' | 'Sent to Human Review';

export type Actions = Partial<Record<ActionKey, ActionValue | string>> & Record<string, string | undefined>;

/** A job's result: `job_status.result`, each `history` entry, and (plus signature/timestamp) the callback body. */
export interface JobResult {
  ResultCode: string;
  ResultText: string;
  ResultType?: string;
  SmileJobID: string;
  JSONVersion?: string;
  IsFinalResult?: string;
  IsMachineResult?: string;
  ConfidenceValue?: string;
  Source?: string;
  PartnerParams: PartnerParams;
  Actions?: Actions;
  timestamp?: string;
  /** Enrolment (Likeness extension): other users whose face matched at the duplicate threshold. */
  DuplicateCandidates?: { user_id: string; similarity: number }[];
  [key: string]: unknown;
}

/** Signed, expiring links to the job's images (`image_links`), present when requested. */
export interface ImageLinks {
  selfie_image?: string;
  /** Set instead of links when the job has no stored images. */
  error?: string;
  /** Likeness adds `liveness_image_1`, `liveness_image_2`, … for liveness frames. */
  [key: string]: string | undefined;
}

/** Body of `POST {base}/job_status`. `result` is a string (e.g. "No zip uploaded") before processing. */
export interface JobStatusResponse {
  timestamp: string;
  signature: string;
  job_complete: boolean;
  job_success: boolean;
  code: string;
  /** Always true on a 200 answer (Smile ID's documented sync answer carries it too). */
  success?: boolean;
  smile_job_id?: string;
  result: JobResult | string | null;
  history?: JobResult[];
  image_links?: ImageLinks;
  [key: string]: unknown;
}

/** Body of `POST {base}/upload` (prep_upload). */
export interface PrepUploadResponse {
  upload_url: string;
  smile_job_id: string;
  ref_id?: string;
  camera_config?: string;
  code?: string;
  [key: string]: unknown;
}

/** What a callback delivers: the flat result plus `signature` and `timestamp`. */
export interface CallbackBody extends JobResult {
  signature: string;
  timestamp: string;
}

/** What `submit_job` resolves to when `return_job_status` is false (PROTOCOL.md §3.4). */
export interface SubmitJobAccepted {
  success: true;
  smile_job_id: string;
}

/** `id_info` for SmartSelfie jobs; `entered` is normally absent or false. */
export interface IdInfo {
  entered?: boolean | string;
  country?: string;
  id_type?: string;
  id_number?: string;
  [key: string]: unknown;
}

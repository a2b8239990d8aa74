/** @file `IMAGE_TYPE` and `JOB_TYPE`, as exported by the official SDK. */

export const IMAGE_TYPE = Object.freeze({
  /** Selfie image file (.png or .jpg), sent in the zip. */
  SELFIE_IMAGE_FILE: 0,
  /** ID card front image file, sent in the zip. */
  ID_CARD_IMAGE_FILE: 1,
  /** Base64 selfie image. */
  SELFIE_IMAGE_BASE64: 2,
  /** Base64 ID card front image. */
  ID_CARD_IMAGE_BASE64: 3,
  /** Liveness image file, sent in the zip (the official JS SDK drops these). */
  LIVENESS_IMAGE_FILE: 4,
  /** ID card back image file, sent in the zip. */
  ID_CARD_BACK_IMAGE_FILE: 5,
  /** Base64 liveness image. */
  LIVENESS_IMAGE_BASE64: 6,
  /** Base64 ID card back image. */
  ID_CARD_BACK_IMAGE_BASE64: 7,
});

export const JOB_TYPE = Object.freeze({
  BIOMETRIC_KYC: 1,
  /** Authenticate an enrolled user against their registered selfie. */
  SMART_SELFIE_AUTHENTICATION: 2,
  /** Enroll (register) a user. */
  SMART_SELFIE_REGISTRATION: 4,
  BASIC_KYC: 5,
  ENHANCED_KYC: 5,
  DOCUMENT_VERIFICATION: 6,
  BUSINESS_VERIFICATION: 7,
  UPDATE_PHOTO: 8,
  COMPARE_USER_INFO: 9,
  ENHANCED_DOCUMENT_VERIFICATION: 11,
});

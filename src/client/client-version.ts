/** @file The identity this client reports as `source_sdk` / `User-Agent` (keep the version in step with package.json). */
export const SOURCE_SDK = 'likeness-js';
export const SOURCE_SDK_VERSION = '0.1.0';

/** @file The one error the engine raises for input it cannot use as an image; the server maps `reason` to Smile ID codes. */

/** Stable, machine-readable reasons an input is not a usable image. */
export type ImageErrorReason = 'empty' | 'unsupported_format' | 'truncated' | 'too_large' | 'too_small';

export class ImageError extends Error {
  override readonly name = 'ImageError';
  readonly reason: ImageErrorReason;

  constructor(reason: ImageErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }

  static isImageError(err: unknown): err is ImageError {
    return err instanceof ImageError || (err instanceof Error && err.name === 'ImageError' && 'reason' in err);
  }
}

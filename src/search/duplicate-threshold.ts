/** @file Placeholder for issue 15a's shipped duplicate threshold (replaced by its version on merge). */
export const DUPLICATE_THRESHOLD = 0.55;

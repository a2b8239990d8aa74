/**
 * @file The token bucket both backends compute in SQL, in one statement: refill since the last use, capped at the
 * burst, then take a token if one is whole. What the statement returns becomes the wait a refused caller is told.
 */

/** Milliseconds until a bucket holding `tokens` has a whole one again at `perSecond`; 0 when the take was granted. */
export function waitForToken(granted: boolean, tokens: number, perSecond: number): number {
  return granted ? 0 : ((1 - tokens) / perSecond) * 1000;
}

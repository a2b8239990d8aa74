/**
 * @file Maps the SDK's `sid_server` argument to a base URL. Unlike the official SDK, which forces `https://`, an
 * explicit `http://` scheme is kept (for a plain-HTTP listener on a private network or in development).
 */
import { LikenessValidationError } from './errors.js';

/** Smile ID's own servers, by the numeric keys the official SDKs accept (0 = sandbox, 1 = production). */
export const SMILE_SERVERS: Readonly<Record<'0' | '1', string>> = Object.freeze({
  '0': 'https://testapi.smileidentity.com/v1',
  '1': 'https://api.smileidentity.com/v1',
});

/**
 * `0`/`1` (number or string) → Smile ID's URLs; `http://…` and `https://…` keep their scheme; a bare `host:port/path`
 * becomes `https://host:port/path`. Trailing slashes are removed; the path prefix (e.g. `/v1`) must be included, as
 * with the official SDK.
 */
export function resolveBaseUrl(sidServer: string | number): string {
  if (sidServer === null || sidServer === undefined || (typeof sidServer === 'string' && sidServer.trim() === '')) {
    throw new LikenessValidationError('Please provide the server URL (sid_server): 0, 1 or the URL of a Likeness server');
  }
  const raw = String(sidServer).trim();
  const mapped = raw === '0' || raw === '1' ? SMILE_SERVERS[raw] : raw;
  const hasScheme = /^https?:\/\//i.test(mapped);
  const candidate = (hasScheme ? mapped.replace(/^(https?):\/\//i, (_m, s: string) => `${s.toLowerCase()}://`) : `https://${mapped}`)
    .replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new LikenessValidationError(`Invalid server URL: ${raw}`);
  }
  if (url.search || url.hash) throw new LikenessValidationError(`Server URL must not contain a query or fragment: ${raw}`);
  return candidate;
}

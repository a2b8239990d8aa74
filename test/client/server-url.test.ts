import { describe, expect, it } from 'vitest';
import { LikenessValidationError, resolveBaseUrl, WebApi } from '../../src/client/index.js';
import { officialHelpers } from './official-sdk.js';

describe('resolveBaseUrl (sid_server)', () => {
  it('maps 0 and 1 to Smile ID like the official SDK', () => {
    for (const key of [0, 1, '0', '1'] as const) expect(resolveBaseUrl(key)).toBe(officialHelpers.mapServerUri(key));
    expect(resolveBaseUrl(0)).toBe('https://testapi.smileidentity.com/v1');
    expect(resolveBaseUrl(1)).toBe('https://api.smileidentity.com/v1');
  });

  it('agrees with the official SDK for https:// and bare host:port/path values', () => {
    for (const value of ['https://likeness.example:8443/v1', '127.0.0.1:8443/v1', 'likeness.example/v1///', 'HTTPS://Host.example/v1']) {
      expect(resolveBaseUrl(value)).toBe(officialHelpers.mapServerUri(value));
    }
  });

  it('keeps an explicit http:// scheme, which the official SDK rewrites to https://', () => {
    expect(resolveBaseUrl('http://127.0.0.1:8080/v1/')).toBe('http://127.0.0.1:8080/v1');
    expect(officialHelpers.mapServerUri('http://127.0.0.1:8080/v1/')).toBe('https://127.0.0.1:8080/v1');
    expect(new WebApi('1', null, 'k', 'HTTP://10.0.0.1/v1').url).toBe('http://10.0.0.1/v1');
  });

  it('rejects empty values and URLs with a query instead of building "undefined/upload"', () => {
    expect(() => resolveBaseUrl('')).toThrow(LikenessValidationError);
    expect(() => resolveBaseUrl(undefined as unknown as string)).toThrow(/server URL/);
    expect(() => resolveBaseUrl('https://h/v1?x=1')).toThrow(/query/);
  });
});

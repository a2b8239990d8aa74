/**
 * @file The network-facing settings are read from the environment and refused at start when malformed.
 */
import { describe, expect, it } from 'vitest';
import { buildServerConfig, configFromEnv } from '../../src/config/server-config.js';

describe('network-facing settings', () => {
  it('read the signature window, callback allow-list and trusted proxies from LIKENESS_* variables', () => {
    const env = configFromEnv({
      LIKENESS_SIGNATURE_MAX_SKEW: '900',
      LIKENESS_ALLOW_CALLBACK_HOSTS: 'hooks.internal, 10.20.0.0/16,,::1',
      LIKENESS_TRUST_PROXY: 'loopback,10.0.0.2',
    });
    const cfg = buildServerConfig({ ...env, dataDir: '/tmp/x' });
    expect(cfg.signatureMaxAgeMs).toBe(900_000);
    expect(cfg.allowCallbackHosts).toEqual(['hooks.internal', '10.20.0.0/16', '::1']);
    expect(cfg.trustProxy).toEqual(['loopback', '10.0.0.2']);
    expect(Object.isFrozen(cfg.allowCallbackHosts)).toBe(true);
  });

  it('default to a ±1 h window, no allow-listed callback hosts and no trusted proxy', () => {
    const cfg = buildServerConfig({ dataDir: '/tmp/x' });
    expect([cfg.signatureMaxAgeMs, cfg.allowCallbackHosts, cfg.trustProxy]).toEqual([3_600_000, [], []]);
  });

  it('refuse malformed entries, naming them', () => {
    expect(() => buildServerConfig({ dataDir: '/tmp/x', allowCallbackHosts: ['https://hooks.example/x'] })).toThrow(
      /allowCallbackHosts: not a host name, address or CIDR range: "https:\/\/hooks.example\/x"/,
    );
    expect(() => buildServerConfig({ dataDir: '/tmp/x', trustProxy: ['proxy.example', '10.0.0.0/40'] })).toThrow(
      /trustProxy must list .*; got proxy.example, 10.0.0.0\/40/,
    );
    expect(() => buildServerConfig({ dataDir: '/tmp/x', signatureMaxAgeMs: -1 })).toThrow(/signatureMaxAgeMs must be an integer/);
  });

  it('read the sandbox host (LIKENESS_SANDBOX_URL) as an origin, and refuse one with a path', () => {
    const cfg = buildServerConfig({ ...configFromEnv({ LIKENESS_SANDBOX_URL: 'https://sandbox.likeness.example:8443/' }), dataDir: '/tmp/x' });
    expect(cfg.sandboxUrl).toBe('https://sandbox.likeness.example:8443');
    expect(buildServerConfig({ dataDir: '/tmp/x' }).sandboxUrl).toBeNull();
    expect(() => buildServerConfig({ dataDir: '/tmp/x', sandboxUrl: 'https://likeness.example/sandbox' })).toThrow(/sandboxUrl must be an http\(s\) origin/);
  });
});

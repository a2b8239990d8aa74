/**
 * @file The configuration is checked once against the schema generated from the settings table: unknown keys and bad
 * values are refused naming the setting, its flag and its variable; every setting comes from a flag (secrets: the
 * environment only) or a LIKENESS_* variable; the result is deep-frozen; `serve --help` lists every setting.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configFromFlagsAndEnv } from '../../src/cli/setting-options.js';
import { buildServerConfig, configFromEnv, DEFAULTS, type ServerConfigInput } from '../../src/config/server-config.js';
import { SETTINGS } from '../../src/config/settings-table.js';
import { DEFAULT_THRESHOLDS } from '../../src/decision/index.js';
import { DEFAULT_SETTINGS } from '../../src/engine/index.js';

const run = promisify(execFile);
const CLI = resolve('dist/src/cli/main.js');

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
      /--allow-callback-hosts \/ LIKENESS_ALLOW_CALLBACK_HOSTS \(allowCallbackHosts\): not a host name, address or CIDR range: "https:\/\/hooks.example\/x"/,
    );
    expect(() => buildServerConfig({ dataDir: '/tmp/x', trustProxy: ['proxy.example', '10.0.0.0/40'] })).toThrow(
      /\(trustProxy\): must list .*; got proxy.example, 10.0.0.0\/40/,
    );
    expect(() => buildServerConfig({ dataDir: '/tmp/x', signatureMaxAgeMs: -1000 })).toThrow(
      /--signature-max-skew \/ LIKENESS_SIGNATURE_MAX_SKEW \(signatureMaxAgeMs\) must be an integer from 0 to 31536000 seconds; got -1/,
    );
  });
});

describe('the configuration schema', () => {
  it('refuses unknown keys, at the top and inside a group', () => {
    const input = { dataDir: '/tmp/x', prot: 8443, thresholds: { mach: 0.4 }, engineSettings: { quality: { minFaceSize: 10 } } } as unknown as ServerConfigInput;
    let message = '';
    try {
      buildServerConfig(input);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^invalid configuration:/);
    expect(message).toContain('prot: unknown setting');
    expect(message).toContain('thresholds.mach: unknown setting');
    expect(message).toContain('engineSettings.quality.minFaceSize: unknown setting');
  });

  it('refuses bad values with the setting, its flag and its variable, all problems at once', () => {
    const input = configFromEnv({ LIKENESS_PORT: 'eighty', LIKENESS_HTTP: 'maybe', LIKENESS_MATCH_THRESHOLD: '1.5', LIKENESS_LIVENESS_SPOOF_AGGREGATION: 'mean', LIKENESS_ROLE: 'boss' });
    expect(() => buildServerConfig({ ...input, dataDir: '/tmp/x' })).toThrow(
      new RegExp(
        [
          '--role / LIKENESS_ROLE \\(role\\) must be one of all, api, worker; got "boss"',
          '--port / LIKENESS_PORT \\(port\\) must be an integer from 0 to 65535; got "eighty"',
          '--http / LIKENESS_HTTP \\(http\\) must be true or false; got "maybe"',
          '--liveness-spoof-aggregation / LIKENESS_LIVENESS_SPOOF_AGGREGATION \\(engineSettings.liveness.spoofAggregation\\) must be one of median, min-selfie-median; got "mean"',
          '--match-threshold / LIKENESS_MATCH_THRESHOLD \\(thresholds.match\\) must be a number from 0 to 1; got 1.5',
        ].join('\\n  '),
      ),
    );
  });

  it('never prints a secret it refuses', () => {
    const key = 'bm90LWEtcmVhbC1rZXk=';
    expect(() => buildServerConfig({ dataDir: '/tmp/x', masterKey: key })).toThrow(/LIKENESS_MASTER_KEY \(masterKey\): must be 32 bytes, base64-encoded/);
    expect(() => buildServerConfig({ dataDir: '/tmp/x', masterKey: 42 as unknown as string })).toThrow(/got \(the value given\)/);
    try {
      buildServerConfig({ dataDir: '/tmp/x', masterKey: key });
    } catch (err) {
      expect((err as Error).message).not.toContain(key);
    }
  });

  it('takes every setting from its LIKENESS_* variable, engine settings and decision thresholds included', () => {
    const cfg = buildServerConfig(
      configFromEnv({
        LIKENESS_DATA: '/tmp/likeness-env',
        LIKENESS_HTTP: 'true',
        LIKENESS_CALLBACK_RETRY_DELAYS_MS: '100, 200',
        LIKENESS_MATCH_THRESHOLD: '0.41',
        LIKENESS_QUALITY_MIN_FACE_SIZE_PX: '80',
        LIKENESS_ENGINE_FLIP_AVERAGE: 'false',
        LIKENESS_LIVENESS_SPOOF_FRAMES: '3',
        LIKENESS_PUBLIC_URL: '',
      }),
    );
    expect(cfg.dataDir).toBe('/tmp/likeness-env');
    expect(cfg.http).toBe(true);
    expect(cfg.callbackRetryDelaysMs).toEqual([100, 200]);
    expect(cfg.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, match: 0.41 });
    expect(cfg.engineSettings.quality).toEqual({ ...DEFAULT_SETTINGS.quality, minFaceSizePx: 80 });
    expect(cfg.engineSettings.flipAverage).toBe(false);
    expect(cfg.engineSettings.liveness.spoofFrames).toBe(3);
    expect(cfg.publicUrl).toBeNull();
  });

  it('gives a flag precedence over its variable, and a variable over the default', () => {
    const env = { LIKENESS_PORT: '9000', LIKENESS_HOST: '0.0.0.0', LIKENESS_SPOOF_THRESHOLD: '0.6' };
    const cfg = buildServerConfig({ ...configFromFlagsAndEnv({ port: '9443', http: true }, env), dataDir: '/tmp/x' });
    expect([cfg.port, cfg.host, cfg.http, cfg.thresholds.spoof, cfg.role]).toEqual([9443, '0.0.0.0', true, 0.6, 'all']);
  });

  it('is deep-frozen', () => {
    const cfg = buildServerConfig({ dataDir: '/tmp/x' });
    for (const part of [cfg, cfg.thresholds, cfg.engineSettings, cfg.engineSettings.quality, cfg.engineSettings.liveness, cfg.callbackRetryDelaysMs, cfg.trustProxy]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (cfg.thresholds as { match: number }).match = 0;
    }).toThrow(TypeError);
    expect(Object.isFrozen(DEFAULTS.engineSettings.quality)).toBe(true);
  });

  it('has a flag for every setting except secrets, and a LIKENESS_* variable for every one', () => {
    for (const spec of SETTINGS) {
      expect(spec.env, spec.path).toMatch(/^LIKENESS_[A-Z0-9_]+$/);
      if (!spec.secret) expect(spec.flag, spec.path).toMatch(/^--[a-z0-9-]+( <[^>]+>)?$/);
    }
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.filter((s) => s.flag).map((s) => s.flag!.split(' ')[0])).size).toBe(SETTINGS.filter((s) => s.flag).length);
  });
});

describe('likeness serve', () => {
  it('--help lists every setting: its flag, its variable and its default', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'serve', '--help']);
    const text = stdout.replace(/\s+/g, ' ');
    const escape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const spec of SETTINGS) {
      const shown = spec.flag ? `${escape(spec.flag)} [^\\[]*\\[env ${spec.env}[;\\]]` : `${spec.env} `;
      expect(text, spec.path).toMatch(new RegExp(shown));
      if (!spec.secret && spec.default !== null) expect(text, spec.path).toMatch(new RegExp(`\\[env ${spec.env}[^\\]]*; default [^\\]]+\\]`));
    }
    expect(stdout).toContain('LIKENESS_MASTER_KEY');
  });

  it('refuses a bad flag or variable before starting anything, naming both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'likeness-config-'));
    try {
      const err = await run(process.execPath, [CLI, 'serve', '--data', dir, '--port', 'eighty'], {
        env: { ...process.env, LIKENESS_QUALITY_MAX_YAW: 'high' },
      }).catch((e) => e);
      expect(err.code).toBe(1);
      expect(err.stderr).toContain('--port / LIKENESS_PORT (port) must be an integer from 0 to 65535; got "eighty"');
      expect(err.stderr).toContain('--quality-max-yaw / LIKENESS_QUALITY_MAX_YAW (engineSettings.quality.maxYaw) must be a number from 0 to 2; got "high"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('read the sandbox host (LIKENESS_SANDBOX_URL) as an origin, and refuse one with a path', () => {
    const cfg = buildServerConfig({ ...configFromEnv({ LIKENESS_SANDBOX_URL: 'https://sandbox.likeness.example:8443/' }), dataDir: '/tmp/x' });
    expect(cfg.sandboxUrl).toBe('https://sandbox.likeness.example:8443');
    expect(buildServerConfig({ dataDir: '/tmp/x' }).sandboxUrl).toBeNull();
    expect(() => buildServerConfig({ dataDir: '/tmp/x', sandboxUrl: 'https://likeness.example/sandbox' })).toThrow(/\(sandboxUrl\) must be an http\(s\) origin \(no path\)/);
  });
});

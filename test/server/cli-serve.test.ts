/**
 * @file `likeness serve` and `likeness partner create` in their exact external forms: a real process, its printed
 * URLs and self-signed certificate, and the official SDK trusting it through NODE_EXTRA_CA_CERTS.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

describe('likeness serve (a real process)', () => {
  let dir: string;
  let child: ChildProcess;
  let output = '';
  let origin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-serve-'));
    child = spawn(process.execPath, [CLI, 'serve', '--data', dir, '--port', '0', '--workers', '1', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    origin = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        output += c.toString();
        const m = /listening on (https:\/\/\S+)/.exec(output);
        if (m && output.includes('Production API key')) resolve(m[1]);
      });
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the port, the first partner with its keys and URLs, and the certificate path', () => {
    expect(origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain(`(port ${new URL(origin).port})`);
    expect(output).toMatch(/Partner ID: +001/);
    expect(output).toContain(`${origin}/v1`);
    expect(output).toContain(`NODE_EXTRA_CA_CERTS=${join(dir, 'tls', 'cert.pem')}`);
    expect(output).toMatch(/face engine: +1 worker thread on (the CPU|CUDA)/);
  });

  it('serves HTTPS with the printed self-signed certificate', async () => {
    const ca = readFileSync(join(dir, 'tls', 'cert.pem'));
    const body = await new Promise<string>((resolve, reject) => {
      get(`${origin}/health`, { ca }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
  });

  it('partner create --json gives URLs and keys the official SDK can use (trusting the cert via NODE_EXTRA_CA_CERTS)', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'partner', 'create', '--data', dir, '--json', '--name', 'Second']);
    const p = JSON.parse(stdout);
    expect(p).toMatchObject({ partner_id: '002', sandbox_url: `${origin}/sandbox/v1`, production_url: `${origin}/v1` });
    const script = `
      const { WebApi } = require('smile-identity-core');
      new WebApi(${JSON.stringify(p.partner_id)}, 'https://cb.example/x', ${JSON.stringify(p.sandbox_api_key)}, ${JSON.stringify(p.sandbox_url)})
        .get_web_token({ user_id: 'u1', job_id: 'j1', product: 'authentication', callback_url: 'https://cb.example/x' })
        .then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e.message); process.exit(3); });`;
    const { stdout: out } = await run(process.execPath, ['-e', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'tls', 'cert.pem') },
    });
    expect(JSON.parse(out).token).toBeTypeOf('string');
  });

  it('rejects an unknown option with a clear message', async () => {
    const err = await run(process.execPath, [CLI, 'serve', '--port', 'eighty']).catch((e) => e);
    expect(err.code).not.toBe(0);
    expect(err.stderr).toMatch(/port/);
  });

  it('refuses to start, saying why, when CUDA is asked for where it cannot work', async () => {
    const other = mkdtempSync(join(tmpdir(), 'likeness-serve-cuda-'));
    try {
      const err = await run(process.execPath, [CLI, 'serve', '--data', other, '--port', '0', '--workers', '1'], {
        env: { ...process.env, LIKENESS_EXECUTION_PROVIDER: 'cuda', CUDA_VISIBLE_DEVICES: '-1' },
      }).catch((e) => e);
      expect(err.code).toBe(1);
      expect(err.stderr).toMatch(/could not start: The CUDA execution provider was requested, but/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  });

  it('says the partner ID again on a restart, and partner list shows it', async () => {
    const again = spawn(process.execPath, [CLI, 'serve', '--data', dir, '--port', '0', '--workers', '1', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let banner = '';
    try {
      await new Promise<void>((resolve, reject) => {
        again.stdout!.on('data', (c: Buffer) => {
          banner += c.toString();
          if (banner.includes('lists them')) resolve();
        });
        again.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${banner}`)));
      });
    } finally {
      again.kill('SIGTERM');
      await new Promise((r) => again.once('exit', r));
    }
    expect(banner).toMatch(/partner ID: +001 \(First partner\)/);
    expect(banner).not.toContain('API key');
    expect(banner).toContain(`likeness partner list --data ${dir}`);
    const { stdout } = await run(process.execPath, [CLI, 'partner', 'list', '--data', dir]);
    expect(stdout).toMatch(/^Partner ID +Name/);
    expect(stdout).toMatch(/^001 +First partner/m);
  });
});

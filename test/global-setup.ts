/**
 * @file One TLS certificate for every test server of the run, trusted through NODE_EXTRA_CA_CERTS exactly as a
 * partner would trust a self-signed Likeness server (the official Node SDK insists on https).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'likeness-test-tls-'));
  const generated = await selfsigned.generate([{ name: 'commonName', value: 'Likeness test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, generated.cert);
  writeFileSync(key, generated.private, { mode: 0o600 });
  // Test workers are forked after this runs and inherit these.
  process.env.NODE_EXTRA_CA_CERTS = cert;
  process.env.LIKENESS_TEST_TLS_CERT = cert;
  process.env.LIKENESS_TEST_TLS_KEY = key;
  return () => rmSync(dir, { recursive: true, force: true });
}

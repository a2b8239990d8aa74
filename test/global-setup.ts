/**
 * @file One TLS certificate for every test server of the run, trusted through NODE_EXTRA_CA_CERTS exactly as a
 * partner would trust a self-signed Likeness server (the official Node SDK insists on https); and the cluster
 * backends' infrastructure (a throwaway PostgreSQL cluster, an S3-compatible server), shared by the run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { startPostgres, startS3, stopPostgresSync } from '../bench/lib/cluster-infrastructure.js';

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
  const pg = await startPostgres(dir);
  if (pg) {
    process.env.LIKENESS_TEST_PG_URL = pg.adminUrl;
  } else if (process.env.CI) {
    throw new Error('CI needs Debian\'s postgresql (apt-get install -y postgresql; .ci/run does it)');
  }
  const s3 = await startS3(join(dir, 's3'));
  process.env.LIKENESS_TEST_S3_ENDPOINT = s3.endpoint;
  // The synchronous steps first: the runner may not wait for the asynchronous one.
  return async () => {
    if (pg) stopPostgresSync(pg);
    rmSync(dir, { recursive: true, force: true });
    await s3.close();
  };
}

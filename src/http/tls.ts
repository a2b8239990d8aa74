/**
 * @file The HTTPS identity: a configured certificate, or a self-signed one generated once under dataDir/tls whose
 * path is printed, so clients can trust it with NODE_EXTRA_CA_CERTS.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** Path of the certificate file (to give to NODE_EXTRA_CA_CERTS when self-signed). */
  certFile: string;
  selfSigned: boolean;
}

export async function loadOrCreateTls(dataDir: string, certFile: string | null, keyFile: string | null): Promise<TlsMaterial> {
  if (certFile && keyFile) {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, selfSigned: false };
  }
  const dir = join(dataDir, 'tls');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (!existsSync(cert) || !existsSync(key)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const host = hostname();
    const generated = await selfsigned.generate([{ name: 'commonName', value: 'Likeness self-signed' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 825 * 24 * 3_600_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 2, value: host },
            { type: 7, ip: '127.0.0.1' },
            { type: 7, ip: '::1' },
          ],
        },
      ],
    });
    writeFileSync(key, generated.private, { mode: 0o600 });
    writeFileSync(cert, generated.cert, { mode: 0o644 });
  }
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), certFile: cert, selfSigned: true };
}

/**
 * @file The master key: AES-256-GCM sealing of small secrets (API keys, which must stay usable as HMAC keys, so
 * they are encrypted, not hashed; and the per-object data keys of envelope.ts).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** iv (12) + tag (16) in front of the ciphertext. */
export const SEAL_OVERHEAD = 28;

export class SecretBox {
  /** Names this key without revealing it (stored in every envelope, so rotation knows what is left to re-wrap). */
  readonly keyId: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the master key must be 32 bytes');
    this.keyId = createHmac('sha256', key).update('likeness master key id').digest().subarray(0, 8);
  }

  /** Loads the master key from LIKENESS_MASTER_KEY (base64) or the key file, creating the file (mode 0600) once. */
  static fromFile(file: string, envValue = process.env.LIKENESS_MASTER_KEY): SecretBox {
    if (envValue) return new SecretBox(Buffer.from(envValue, 'base64'));
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    return SecretBox.readFile(file);
  }

  /** An existing key file (base64, as fromFile writes it). */
  static readFile(file: string): SecretBox {
    return new SecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  seal(plaintext: string): Buffer {
    return this.sealBytes(Buffer.from(plaintext, 'utf8'));
  }

  open(sealed: Buffer): string {
    return this.openBytes(sealed).toString('utf8');
  }

  sealBytes(plaintext: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** @throws when the bytes were not sealed by this key (GCM authentication fails). */
  openBytes(sealed: Buffer): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, SEAL_OVERHEAD));
    return Buffer.concat([decipher.update(sealed.subarray(SEAL_OVERHEAD)), decipher.final()]);
  }
}

/**
 * @file Envelope encryption of biometric data at rest (face images, templates): each object is encrypted with its
 * own random data key (AES-256-GCM), and that data key is sealed by the master key into the object's header. A
 * master key rotation then re-wraps 60 bytes per object instead of re-encrypting every image.
 *
 * Layout (100 bytes of header): "LKE" 0x01 | master key id (8) | sealed data key (12 iv + 16 tag + 32) |
 * nonce (12) | tag (16) | ciphertext. The body is authenticated with a context (an image's blob key), so an
 * object copied under another key fails to open. Bytes without the magic are data written before encryption at
 * rest existed, and are returned as they are (see README, "Encryption at rest").
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SEAL_OVERHEAD, type SecretBox } from './secret-box.js';

const MAGIC = Buffer.from('LKE\x01', 'latin1');
const KEY_ID_AT = MAGIC.length;
const WRAPPED_AT = KEY_ID_AT + 8;
const WRAPPED_LENGTH = SEAL_OVERHEAD + 32;
const NONCE_AT = WRAPPED_AT + WRAPPED_LENGTH;
const TAG_AT = NONCE_AT + 12;
export const ENVELOPE_HEADER_BYTES = TAG_AT + 16;

export function isEnveloped(data: Buffer): boolean {
  return data.length >= ENVELOPE_HEADER_BYTES && data.subarray(0, MAGIC.length).equals(MAGIC);
}

export class Envelope {
  private readonly keys: SecretBox[];

  /**
   * `current` seals new objects; `older` keys only open (a rotation in progress: objects not yet re-wrapped).
   */
  constructor(
    readonly current: SecretBox,
    older: SecretBox[] = [],
  ) {
    this.keys = [current, ...older];
  }

  encrypt(plaintext: Buffer, context: string): Buffer {
    const dataKey = randomBytes(32);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, this.current.keyId, this.current.sealBytes(dataKey), nonce, cipher.getAuthTag(), body]);
  }

  /** The plaintext; data written before encryption at rest is returned unchanged. */
  decrypt(data: Buffer, context: string): Buffer {
    if (!isEnveloped(data)) return data;
    const decipher = createDecipheriv('aes-256-gcm', this.openDataKey(data), data.subarray(NONCE_AT, TAG_AT));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(data.subarray(TAG_AT, ENVELOPE_HEADER_BYTES));
    return Buffer.concat([decipher.update(data.subarray(ENVELOPE_HEADER_BYTES)), decipher.final()]);
  }

  /** True when the object is sealed under the current master key (nothing left to do for a rotation). */
  isCurrent(data: Buffer): boolean {
    return isEnveloped(data) && data.subarray(KEY_ID_AT, WRAPPED_AT).equals(this.current.keyId);
  }

  /**
   * The same object with its data key sealed under the current master key; the ciphertext is untouched. Data
   * written before encryption at rest is encrypted now (it needs its context).
   */
  rewrap(data: Buffer, context: string): Buffer {
    if (!isEnveloped(data)) return this.encrypt(data, context);
    if (this.isCurrent(data)) return data;
    const header = Buffer.concat([MAGIC, this.current.keyId, this.current.sealBytes(this.openDataKey(data))]);
    return Buffer.concat([header, data.subarray(NONCE_AT)]);
  }

  private openDataKey(data: Buffer): Buffer {
    const keyId = data.subarray(KEY_ID_AT, WRAPPED_AT);
    const box = this.keys.find((k) => k.keyId.equals(keyId));
    if (!box) throw new Error(`encrypted with master key ${keyId.toString('hex')}, which is not configured here (wrong master key?)`);
    return box.openBytes(data.subarray(WRAPPED_AT, NONCE_AT));
  }

  /** API keys are sealed directly by the master key (no header): try the current key, then older ones. */
  openSecret(sealed: Buffer): string {
    for (const box of this.keys.slice(0, -1)) {
      try {
        return box.open(sealed);
      } catch {
        // Sealed under another key of the ring.
      }
    }
    return this.keys[this.keys.length - 1].open(sealed);
  }
}

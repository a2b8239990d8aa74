/**
 * @file Image blobs in S3-compatible object storage (AWS, MinIO, Ceph, R2) through the plain S3 API: one object per
 * key under a prefix. Credentials come from the standard AWS chain (environment, shared files, instance roles);
 * nothing is written to local disk.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, type ServerSideEncryption } from '@aws-sdk/client-s3';
import type { BlobStore } from '../types.js';

const SAFE_KEY = /^[a-z0-9][a-z0-9/_.-]{0,200}$/;

export interface S3BlobConfig {
  bucket: string;
  /** Key prefix, without leading or trailing slashes; '' for the bucket root. */
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** x-amz-server-side-encryption, e.g. AES256 or aws:kms. */
  serverSideEncryption?: ServerSideEncryption;
  /** Per-request limit, so an unreachable store fails the request instead of hanging it. */
  requestTimeoutMs: number;
}

/** s3://bucket/prefix?endpoint=http://host:port&region=…&forcePathStyle=true&sse=AES256 */
export function parseBlobsUrl(url: string, env: NodeJS.ProcessEnv = process.env): S3BlobConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`blobs URL is not a URL: ${url}`);
  }
  if (u.protocol !== 's3:' || !u.hostname) throw new Error(`blobs URL must look like s3://bucket/prefix?endpoint=…, got ${url}`);
  const known = new Set(['endpoint', 'region', 'forcePathStyle', 'sse', 'requestTimeoutMs']);
  for (const name of u.searchParams.keys()) if (!known.has(name)) throw new Error(`blobs URL: unknown parameter ${name} (known: ${[...known].join(', ')})`);
  const endpoint = u.searchParams.get('endpoint') ?? undefined;
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) throw new Error(`blobs URL: endpoint must be an http(s) URL, got ${endpoint}`);
  const timeout = Number(u.searchParams.get('requestTimeoutMs') ?? 10_000);
  if (!Number.isInteger(timeout) || timeout < 100) throw new Error('blobs URL: requestTimeoutMs must be an integer of at least 100');
  return {
    bucket: u.hostname,
    prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ''),
    endpoint,
    region: u.searchParams.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: u.searchParams.get('forcePathStyle') === 'true',
    serverSideEncryption: (u.searchParams.get('sse') as ServerSideEncryption | null) ?? undefined,
    requestTimeoutMs: timeout,
  };
}

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Client,
    private readonly config: S3BlobConfig,
  ) {}

  private key(key: string): string {
    if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`invalid blob key: ${key}`);
    return this.config.prefix ? `${this.config.prefix}/${key}` : key;
  }

  async put(key: string, data: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.config.bucket, Key: this.key(key), Body: data, ServerSideEncryption: this.config.serverSideEncryption }),
    );
  }

  /** A PUT replaces an object atomically. */
  replace(key: string, data: Buffer): Promise<void> {
    return this.put(key, data);
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(key) }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return null;
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    // One DeleteObject per key: DeleteObjects needs a Content-MD5 some S3-compatible stores handle differently.
    await Promise.all(keys.map((k) => this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.key(k) }))));
  }

  async *list(): AsyncIterable<string> {
    const prefix = this.config.prefix ? `${this.config.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: prefix || undefined, ContinuationToken: token }));
      for (const o of page.Contents ?? []) yield o.Key!.slice(prefix.length);
      token = page.NextContinuationToken;
    } while (token);
  }

  async holdsAny(): Promise<boolean> {
    const prefix = this.config.prefix ? `${this.config.prefix}/` : undefined;
    const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: prefix, MaxKeys: 1 }));
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
  }
}

export function openS3BlobStore(url: string): S3BlobStore {
  const config = parseBlobsUrl(url);
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    // Without throwOnRequestTimeout the SDK only warns when a request outlasts requestTimeout, and it hangs on: a
    // stalled store would hold an upload (and a worker's job, whose lease its heartbeat keeps) forever.
    requestHandler: { requestTimeout: config.requestTimeoutMs, connectionTimeout: Math.min(config.requestTimeoutMs, 3000), throwOnRequestTimeout: true },
    // Every object is sealed (AES-GCM, EncryptingBlobStore) before it gets here and its tag is checked when read, so
    // the SDK's own CRC32 of each body, both ways, would only cost CPU on every request; S3 still gets Content-MD5
    // or a checksum where an operation requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return new S3BlobStore(client, config);
}

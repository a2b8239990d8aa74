/**
 * @file Portal test helpers: accounts created as `likeness user add` does, a cookie-keeping HTTP client that logs in
 * through the real login form, and provisional jobs submitted through the Smile ID API (sandbox_result).
 */
import { createPortalAccount } from '../../src/portal/accounts.js';
import type { PortalRole } from '../../src/store/portal-types.js';
import type { PortalStore } from '../../src/store/portal-types.js';
import type { TestServer } from '../helpers/server.js';
import { jobZip, prepUpload, putZip, waitForJob } from '../helpers/smile-client.js';

let seq = 0;
export const unique = (prefix: string): string => `${prefix}-${Date.now()}-${++seq}`;

export function portalStoreOf(ts: TestServer): PortalStore {
  return ts.server.storage.portal;
}

export interface Credentials {
  email: string;
  password: string;
}

export async function addAccount(ts: TestServer, role: PortalRole, partnerId = ts.partnerId): Promise<Credentials> {
  const creds = { email: `${unique(role)}@example.test`, password: `pw-${unique('secret')}` };
  await createPortalAccount(ts.server.ctx.store, portalStoreOf(ts), { partnerId, role, ...creds });
  return creds;
}

export interface PortalResponse {
  status: number;
  location: string | null;
  body: string;
  headers: Headers;
}

/** A browser-less portal user: keeps cookies, follows nothing, reads CSRF tokens from the last page. */
export class PortalClient {
  readonly cookies = new Map<string, string>();
  lastBody = '';

  /** `headers` go with every request (e.g. the X-Forwarded-For a reverse proxy adds). */
  constructor(
    readonly origin: string,
    readonly headers: Record<string, string> = {},
  ) {}

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  async request(method: string, path: string, form?: Record<string, string>): Promise<PortalResponse> {
    const res = await fetch(this.origin + path, {
      method,
      redirect: 'manual',
      headers: { ...this.headers, ...this.cookieHeader(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    this.remember(res);
    const body = res.headers.get('content-type')?.startsWith('text/') ? await res.text() : (await res.arrayBuffer(), '');
    if (body) this.lastBody = body;
    return { status: res.status, location: res.headers.get('location'), body, headers: res.headers };
  }

  get(path: string): Promise<PortalResponse> {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string>): Promise<PortalResponse> {
    return this.request('POST', path, form);
  }

  /** The `_csrf` value of the last page's forms. */
  csrf(): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(this.lastBody);
    if (!m) throw new Error('no CSRF token on the last page');
    return m[1];
  }

  async login(creds: Credentials): Promise<PortalResponse> {
    await this.get('/portal/login');
    return this.post('/portal/login', { _csrf: this.csrf(), email: creds.email, password: creds.password });
  }

  /** Logs in and loads a page, so that csrf() returns the session's token. */
  async session(creds: Credentials): Promise<this> {
    const res = await this.login(creds);
    if (res.status !== 303) throw new Error(`login failed with ${res.status}`);
    await this.get('/portal/jobs');
    return this;
  }
}

export interface SubmittedJob {
  userId: string;
  jobId: string;
  smileJobId: number;
  status: any;
}

/** A sandbox job whose machine result is forced to provisional: it lands in the review queue. */
export async function provisionalJob(ts: TestServer, selfie: Buffer, opts: { jobType?: number; userId?: string; callbackUrl?: string } = {}): Promise<SubmittedJob> {
  const userId = opts.userId ?? unique('portal-user');
  const jobId = unique('portal-job');
  const jobType = opts.jobType ?? 4;
  const prep = await prepUpload(ts, { userId, jobId, jobType, callbackUrl: opts.callbackUrl, extra: { sandbox_result: 'provisional' } }, 'sandbox');
  if (prep.status !== 200) throw new Error(`prep_upload failed: ${JSON.stringify(prep.body)}`);
  const put = await putZip(prep.body.upload_url, await jobZip({ user_id: userId, job_id: jobId, job_type: jobType }, { selfie }));
  if (put.status !== 200) throw new Error(`upload failed: ${JSON.stringify(put.body)}`);
  const status = await waitForJob(ts, userId, jobId, 'sandbox');
  return { userId, jobId, smileJobId: Number(status.result.SmileJobID), status };
}

/** A grey picture: a valid image without a face, for tests that do not need a real one. */
export async function syntheticSelfie(): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp({ create: { width: 64, height: 64, channels: 3, background: '#777' } }).jpeg().toBuffer();
}

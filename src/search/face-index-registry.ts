/**
 * @file The face indexes of one server: one in-memory FaceIndex per partner environment holding every active
 * enrolled template, loaded at start and kept current on every node. Changes are numbered per environment and commit
 * in that order (RecordStore.listTemplateChanges), so an index follows them by a watermark: it reads the changes
 * after the last one it applied. It does so when a change is notified (PostgreSQL LISTEN/NOTIFY between nodes; in
 * process for SQLite), every few seconds (changes made by another process, notifications lost to a reconnection),
 * and before every search, so a search sees every change committed before it started.
 */
import type { Logger } from 'pino';
import { ENVIRONMENTS, type Environment, type RecordStore, type TemplateChange, type TemplateScope } from '../store/types.js';
import { FaceIndex, type SearchHit } from './face-index.js';

/** Changes read per query while catching up (a full load reads every user this way). */
const PAGE_SIZE = 5000;
export const CATCH_UP_INTERVAL_MS = 5000;

interface ScopeState {
  /** Created with the dimensions of the first template seen. */
  index: FaceIndex | null;
  dimensions: number;
  watermark: number;
  running: Promise<void> | null;
  /** A catch-up queued behind the running one, shared by every caller that arrived meanwhile. */
  queued: Promise<void> | null;
}

export class FaceIndexRegistry {
  private readonly scopes = new Map<string, ScopeState>();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: RecordStore,
    private readonly log: Logger,
    private readonly catchUpMs = CATCH_UP_INTERVAL_MS,
  ) {}

  /** Follows changes and loads every partner environment; resolves once all are loaded. */
  async start(): Promise<void> {
    this.unsubscribe = this.store.onTemplatesChanged((scope) => (scope ? this.catchUpQuietly(scope) : this.catchUpAllQuietly()));
    this.timer = setInterval(() => this.catchUpAllQuietly(), this.catchUpMs);
    this.timer.unref();
    const started = Date.now();
    const partners = await this.store.listPartners();
    await Promise.all(partners.flatMap((p) => ENVIRONMENTS.map((environment) => this.catchUp({ partnerId: p.partnerId, environment }))));
    this.log.info({ templates: this.totalSize(), ms: Date.now() - started }, 'face indexes loaded');
  }

  /**
   * The k most similar active templates of a partner environment at or above minSimilarity, after applying every
   * change committed before this call. Nothing for an empty environment or a query of other dimensions.
   */
  async search(scope: TemplateScope, query: Float32Array, k: number, minSimilarity: number): Promise<SearchHit[]> {
    await this.catchUp(scope);
    const s = this.state(scope);
    if (!s.index || query.length !== s.dimensions) return [];
    return s.index.search(query, k, minSimilarity);
  }

  totalSize(): number {
    let n = 0;
    for (const s of this.scopes.values()) n += s.index?.size ?? 0;
    return n;
  }

  close(): void {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
  }

  private state(scope: TemplateScope): ScopeState {
    const key = `${scope.partnerId}/${scope.environment}`;
    let s = this.scopes.get(key);
    if (!s) this.scopes.set(key, (s = { index: null, dimensions: 0, running: null, queued: null, watermark: 0 }));
    return s;
  }

  private catchUp(scope: TemplateScope): Promise<void> {
    const s = this.state(scope);
    if (!s.running) {
      s.running = this.drain(scope, s).finally(() => (s.running = null));
      return s.running;
    }
    // The running read may have started before the caller's change committed: one more read after it covers it.
    s.queued ??= s.running
      .catch(() => {})
      .then(() => {
        s.queued = null;
        return this.catchUp(scope);
      });
    return s.queued;
  }

  private async drain(scope: TemplateScope, s: ScopeState): Promise<void> {
    for (;;) {
      const changes = await this.store.listTemplateChanges(scope.partnerId, scope.environment, s.watermark, PAGE_SIZE);
      for (const change of changes) this.apply(scope, s, change);
      if (changes.length) s.watermark = changes[changes.length - 1].seq;
      if (changes.length < PAGE_SIZE) return;
    }
  }

  private apply(scope: TemplateScope, s: ScopeState, { userId, template }: TemplateChange): void {
    if (!template) {
      s.index?.remove(userId);
      return;
    }
    if (!s.index) {
      s.index = new FaceIndex(template.length);
      s.dimensions = template.length;
    }
    if (template.length !== s.dimensions) {
      // A template of another model: it cannot be compared with the others (nor with today's selfies).
      this.log.warn({ ...scope, userId, dimensions: template.length, expected: s.dimensions }, 'template left out of the face index');
      s.index.remove(userId);
      return;
    }
    s.index.upsert(userId, template);
  }

  private catchUpQuietly(scope: TemplateScope): void {
    this.catchUp(scope).catch((err) => this.log.warn({ err, ...scope }, 'face index catch-up failed; retried on the next change or tick'));
  }

  private catchUpAllQuietly(): void {
    for (const key of this.scopes.keys()) {
      const slash = key.lastIndexOf('/');
      this.catchUpQuietly({ partnerId: key.slice(0, slash), environment: key.slice(slash + 1) as Environment });
    }
  }
}

/**
 * @file Retention of job images: each partner environment keeps them a number of days (the server default unless
 * set), then a background purge removes them and writes what it removed to the partner's audit log. Templates
 * and the registered selfie stay until the user is deleted. Cluster-safe: images are leased in batches through the
 * record store, so nodes purging at once remove different images, and a node that dies mid-batch leaves its lease
 * to run out for the next purge.
 */
import type { Logger } from 'pino';
import type { PortalStore } from '../store/portal-types.js';
import { ENVIRONMENTS, type BlobStore, type Environment, type RecordStore } from '../store/types.js';

const DAY_MS = 24 * 3_600_000;
const PURGE_BATCH = 200;
/** Longer than a batch takes (deleting its blobs, then its rows); a purger that dies holds its images this long. */
const PURGE_LEASE_MS = 10 * 60_000;
/** Most days a partner environment may keep images (also what the CLI accepts). */
export const MAX_RETENTION_DAYS = 36_500;
export const RETENTION_ACTOR = 'retention purge';

export interface RetentionDeps {
  store: RecordStore;
  blobs: BlobStore;
  portal: PortalStore;
  /** Days kept where a partner environment has no setting of its own. */
  defaultDays: number;
}

export interface PurgeSummary {
  partnerId: string;
  environment: Environment;
  days: number;
  images: number;
}

/** One pass over every partner environment; returns what was removed (nothing is listed where nothing expired). */
export async function purgeExpiredImages(deps: RetentionDeps, now = new Date()): Promise<PurgeSummary[]> {
  const removed: PurgeSummary[] = [];
  for (const partner of await deps.store.listPartners()) {
    for (const environment of ENVIRONMENTS) {
      const days = (await deps.store.getImageRetention(partner.partnerId, environment)) ?? deps.defaultDays;
      const before = new Date(now.getTime() - days * DAY_MS).toISOString();
      let images = 0;
      for (;;) {
        const batch = await deps.store.leaseExpiredImages(partner.partnerId, environment, before, PURGE_BATCH, PURGE_LEASE_MS);
        if (!batch.length) break;
        // Blobs first: a failure here leaves the records (and the lease), and the next purge tries again.
        await deps.blobs.delete(batch.map((img) => img.blobKey));
        await deps.store.dropJobImages(batch);
        images += batch.length;
        const jobs = [...new Set(batch.map((img) => img.smileJobId))];
        await deps.portal.appendAudit({
          partnerId: partner.partnerId,
          accountId: null,
          actorEmail: RETENTION_ACTOR,
          action: 'retention.purge',
          environment,
          target: `${batch.length} images`,
          detail: `kept ${days} days; removed the images of jobs (SmileJobID) ${jobs.join(', ')}`,
        });
        if (batch.length < PURGE_BATCH) break;
      }
      if (images) removed.push({ partnerId: partner.partnerId, environment, days, images });
    }
  }
  return removed;
}

/** Runs the purge every `intervalMs` (the first soon after start) on a worker node; one pass at a time. */
export class RetentionPurger {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: RetentionDeps,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.schedule(Math.min(this.intervalMs, 60_000));
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = null;
        if (this.timer) this.schedule(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      for (const r of await purgeExpiredImages(this.deps)) this.log.info(r, 'retention: removed expired job images');
    } catch (err) {
      this.log.error({ err }, 'retention purge failed; the next pass tries again');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}

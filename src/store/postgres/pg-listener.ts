/**
 * @file LISTEN on a dedicated connection, shared by everything of one backend that waits for other nodes' commits
 * (queued work, template changes). It tells every listener `null` once it is listening (a commit made before could
 * not be heard) and again after it reconnected by itself from a lost connection (notifications sent meanwhile are
 * lost), so listeners catch up by querying.
 */
import pg from 'pg';
import { WorkSignal } from '../work-signal.js';

const RECONNECT_MS = 1000;

export class PgListener {
  private readonly signals: Map<string, WorkSignal<string | null>>;
  private client: pg.Client | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private closed = false;
  private listening = false;
  private firstAttempt: Promise<void> | null = null;

  /** `onConnect` runs on every (re)connection once LISTEN is live (a server takes its presence lock there). */
  constructor(
    private readonly connectionString: string,
    channels: readonly string[],
    private readonly onConnect: ((client: pg.Client) => Promise<unknown>) | null = null,
  ) {
    this.signals = new Map(channels.map((c) => [c, new WorkSignal<string | null>()]));
  }

  /** Connects now rather than on the first subscription; resolves when the first attempt succeeded or failed. */
  start(): Promise<void> {
    if (!this.client && !this.reconnect) this.firstAttempt = this.listen();
    return this.firstAttempt ?? Promise.resolve();
  }

  /** The payload of each notification on `channel`, or null once listening and after a reconnection; connects on first use. */
  subscribe(channel: string, listener: (payload: string | null) => void): () => void {
    const signal = this.signals.get(channel);
    if (!signal) throw new Error(`PgListener does not listen on ${channel}`);
    const unsubscribe = signal.subscribe(listener);
    if (this.listening) queueMicrotask(() => listener(null));
    else void this.start();
    return unsubscribe;
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString });
    this.client = client;
    const retry = () => {
      if (this.client !== client) return;
      this.client = null;
      this.listening = false;
      client.end().catch(() => {});
      if (!this.closed) this.reconnect = setTimeout(() => ((this.reconnect = null), void this.listen()), RECONNECT_MS);
      for (const signal of this.signals.values()) signal.fire(null);
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (n) => this.signals.get(n.channel)?.fire(n.payload ?? ''));
    try {
      await client.connect();
      for (const channel of this.signals.keys()) await client.query(`LISTEN ${channel}`);
      await this.onConnect?.(client);
    } catch {
      retry();
      return;
    }
    if (this.client !== client) return;
    this.listening = true;
    for (const signal of this.signals.values()) signal.fire(null);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}

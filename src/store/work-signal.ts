/**
 * @file In-process listeners for "work was enqueued"; a backend fires it after committing, or on a database
 * notification from another process.
 */
export class WorkSignal {
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fire(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * @file In-process listeners for "work was enqueued" (or, with a value, "templates changed here"); a backend fires it
 * after committing, or on a database notification from another process.
 */
export class WorkSignal<T = void> {
  private readonly listeners = new Set<(value: T) => void>();

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fire(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
}

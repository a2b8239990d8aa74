/**
 * @file Placeholder exact float32 index with the interface issue 15a ships (replaced by its version on merge).
 */
export interface SearchHit {
  userId: string;
  similarity: number;
}

export class FaceIndex {
  private readonly rows = new Map<string, Float32Array>();

  constructor(readonly dimensions: number) {}

  get size(): number {
    return this.rows.size;
  }

  upsert(userId: string, embedding: Float32Array): void {
    if (embedding.length !== this.dimensions) throw new RangeError(`expected ${this.dimensions} dimensions, got ${embedding.length}`);
    this.rows.set(userId, Float32Array.from(embedding));
  }

  remove(userId: string): boolean {
    return this.rows.delete(userId);
  }

  has(userId: string): boolean {
    return this.rows.has(userId);
  }

  search(query: Float32Array, k: number, minSimilarity: number): SearchHit[] {
    const hits: SearchHit[] = [];
    for (const [userId, v] of this.rows) {
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i] * query[i];
      if (dot >= minSimilarity) hits.push({ userId, similarity: dot });
    }
    return hits.sort((a, b) => b.similarity - a.similarity).slice(0, k);
  }

  memoryBytes(): number {
    return this.rows.size * this.dimensions * 4;
  }
}

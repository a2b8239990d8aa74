/**
 * @file 1:N search of a partner environment's enrolled faces, for the search API, the CLI, the portal and the
 * duplicate check of enrolments. The index proposes; the record store decides: each hit is read back and returned
 * only if the user is still active with a template, so a user deleted (or disabled) on any node is never returned,
 * even by an index that has not yet applied the change.
 */
import type { Environment, RecordStore } from '../store/types.js';
import type { FaceIndexRegistry } from './face-index-registry.js';

export interface FaceMatch {
  userId: string;
  /** Cosine similarity of the L2-normalised embeddings, 4 decimals. */
  similarity: number;
}

export interface SearchOptions {
  k: number;
  minSimilarity: number;
  /** Left out of the results: the enrolling user's own id (a re-enrolment matches itself). */
  excludeUserId?: string;
}

export async function searchEnrolledFaces(
  store: RecordStore,
  registry: FaceIndexRegistry,
  scope: { partnerId: string; environment: Environment },
  embedding: Float32Array,
  opts: SearchOptions,
): Promise<FaceMatch[]> {
  const hits = await registry.search(scope, embedding, opts.k + (opts.excludeUserId === undefined ? 0 : 1), opts.minSimilarity);
  const matches: FaceMatch[] = [];
  for (const hit of hits) {
    if (hit.userId === opts.excludeUserId || matches.length === opts.k) continue;
    const user = await store.getUser(scope.partnerId, scope.environment, hit.userId);
    if (user?.status === 'active' && user.template) matches.push({ userId: hit.userId, similarity: Math.round(hit.similarity * 1e4) / 1e4 });
  }
  return matches;
}

/**
 * @file A person's 1:N search of a partner environment's enrolled faces by selfie (the search API, the portal page,
 * `likeness search`): the selfie's face searched in the index, each hit checked against the records, and the search
 * written to the audit log — who, when, how many results — because searching faces is sensitive.
 */
import { ImageError } from '../engine/index.js';
import { apiError } from '../errors/api-errors.js';
import type { FaceEngine } from '../engine/types.js';
import { DUPLICATE_THRESHOLD } from '../search/duplicate-threshold.js';
import type { FaceIndexRegistry } from '../search/face-index-registry.js';
import { searchEnrolledFaces, type FaceMatch } from '../search/face-search.js';
import type { PortalStore } from '../store/portal-types.js';
import type { Environment, RecordStore } from '../store/types.js';

export const MAX_SEARCH_RESULTS = 100;
export const DEFAULT_SEARCH_RESULTS = 10;

export interface SearchRequest {
  partnerId: string;
  environment: Environment;
  limit?: number;
  /** Default: the duplicate threshold (docs/search.md). */
  minSimilarity?: number;
  /** Who asks, for the audit log: a portal account, or the partner's API key / the operator's CLI. */
  actor: { accountId: number | null; email: string };
}

export interface SearchDeps {
  store: RecordStore;
  engine: FaceEngine;
  faces: FaceIndexRegistry;
  audit: Pick<PortalStore, 'appendAudit'>;
}

export interface SearchAnswer {
  results: FaceMatch[];
  limit: number;
  minSimilarity: number;
}

export async function searchBySelfie(deps: SearchDeps, req: SearchRequest & { selfie: Buffer }): Promise<SearchAnswer> {
  const { limit, minSimilarity } = searchBounds(req);
  let embedding: Float32Array | null;
  try {
    embedding = (await deps.engine.analyze(req.selfie)).embedding;
  } catch (err) {
    if (ImageError.isImageError(err)) throw apiError('SEARCH_SELFIE_UNUSABLE', `The search selfie cannot be used: ${err.message}`);
    throw err;
  }
  if (!embedding) throw apiError('SEARCH_SELFIE_UNUSABLE', 'No face was found in the search selfie');
  return searchAndAudit(deps, req, embedding, limit, minSimilarity, null);
}

/** The other users whose face matches a user's registered face ("who else is this?"), for the portal. */
export async function searchByUser(deps: Omit<SearchDeps, 'engine'>, req: SearchRequest & { userId: string }): Promise<SearchAnswer> {
  const { limit, minSimilarity } = searchBounds(req);
  const user = await deps.store.getUser(req.partnerId, req.environment, req.userId);
  if (!user?.template || user.status === 'deleted') throw apiError('USER_NOT_ENROLLED', `No registered face for user_id ${req.userId} in the ${req.environment} environment`);
  return searchAndAudit(deps, req, user.template, limit, minSimilarity, req.userId);
}

function searchBounds(req: SearchRequest): { limit: number; minSimilarity: number } {
  const limit = req.limit ?? DEFAULT_SEARCH_RESULTS;
  const minSimilarity = req.minSimilarity ?? DUPLICATE_THRESHOLD;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_RESULTS) {
    throw apiError('INVALID_PARAMETER_TYPE', `limit must be an integer from 1 to ${MAX_SEARCH_RESULTS}`);
  }
  if (!Number.isFinite(minSimilarity) || minSimilarity < -1 || minSimilarity > 1) throw apiError('INVALID_PARAMETER_TYPE', 'min_similarity must be a number from -1 to 1');
  return { limit, minSimilarity };
}

async function searchAndAudit(
  deps: Omit<SearchDeps, 'engine'>,
  req: SearchRequest,
  embedding: Float32Array,
  limit: number,
  minSimilarity: number,
  byUser: string | null,
): Promise<SearchAnswer> {
  const results = await searchEnrolledFaces(deps.store, deps.faces, req, embedding, { k: limit, minSimilarity, excludeUserId: byUser ?? undefined });
  await deps.audit.appendAudit({
    partnerId: req.partnerId,
    accountId: req.actor.accountId,
    actorEmail: req.actor.email,
    action: 'face.search',
    environment: req.environment,
    target: byUser,
    detail: `${byUser ? 'by registered face' : 'by selfie'}: ${results.length} result${results.length === 1 ? '' : 's'} (limit ${limit}, min similarity ${minSimilarity})`,
  });
  return { results, limit, minSimilarity };
}

/**
 * @file Managing enrolled users: list, deactivate, reactivate and delete (which removes their images and template).
 */
import { apiError } from '../errors/api-errors.js';
import type { BlobStore, EnrolledUser, Environment, RecordStore } from '../store/types.js';

export interface UserSummary {
  user_id: string;
  status: EnrolledUser['status'];
  has_registered_selfie: boolean;
  enrolled_smile_job_id: number | null;
  created_at: string;
  updated_at: string;
}

export function summariseUser(u: EnrolledUser): UserSummary {
  return {
    user_id: u.userId,
    status: u.status,
    has_registered_selfie: u.template !== null,
    enrolled_smile_job_id: u.enrolledSmileJobId,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  };
}

export async function listUsers(store: RecordStore, partnerId: string, env: Environment, limit = 100, offset = 0): Promise<UserSummary[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw apiError('INVALID_PARAMETER_TYPE', 'limit must be an integer from 1 to 1000');
  if (!Number.isInteger(offset) || offset < 0) throw apiError('INVALID_PARAMETER_TYPE', 'offset must be a non-negative integer');
  return (await store.listUsers(partnerId, env, { limit, offset })).map(summariseUser);
}

export async function setUserActive(store: RecordStore, partnerId: string, env: Environment, userId: string, active: boolean): Promise<UserSummary> {
  const user = await store.getUser(partnerId, env, userId);
  if (!user) throw apiError('USER_NOT_ENROLLED', `No enrolled user found for user_id ${userId}`);
  if (user.status === 'deleted') throw apiError('USER_DELETED', `user_id ${userId} has been deleted`);
  await store.setUserStatus(partnerId, env, userId, active ? 'active' : 'disabled');
  return summariseUser((await store.getUser(partnerId, env, userId))!);
}

/** Deletes the template and every stored image of the user; later jobs for this user_id fail with 2208. */
export async function deleteUser(store: RecordStore, blobs: BlobStore, partnerId: string, env: Environment, userId: string): Promise<UserSummary> {
  const keys = await store.deleteUser(partnerId, env, userId);
  if (keys === null) throw apiError('USER_NOT_ENROLLED', `No enrolled user found for user_id ${userId}`);
  await blobs.delete(keys);
  return summariseUser((await store.getUser(partnerId, env, userId))!);
}

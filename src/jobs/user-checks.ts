/**
 * @file Whether a user may run a job: the enrolment state rules behind codes 2207–2210.
 */
import { apiError } from '../errors/api-errors.js';
import type { JobKind } from '../decision/types.js';
import type { EnrolledUser, Environment, RecordStore } from '../store/types.js';

/** Returns the enrolled user (authentication) or the user being replaced (re-enrolment); throws the documented error otherwise. */
export async function checkUserForJob(
  store: RecordStore,
  partnerId: string,
  environment: Environment,
  userId: string,
  kind: JobKind,
  allowReenroll: boolean,
): Promise<EnrolledUser | null> {
  const user = await store.getUser(partnerId, environment, userId);
  if (kind === 'authenticate') {
    if (!user) throw apiError('USER_NOT_ENROLLED', `No enrolled user found for user_id ${userId}`);
    if (user.status === 'deleted') throw apiError('USER_DELETED', `user_id ${userId} has been deleted`);
    if (user.status === 'disabled') throw apiError('USER_DISABLED', `user_id ${userId} is disabled`);
    // Only deletion clears a template, and a deleted user was refused above.
    if (!user.template) throw new Error(`active user ${userId} has no template`);
    return user;
  }
  if (!user || allowReenroll) return user;
  if (user.status === 'deleted') throw apiError('USER_DELETED', `user_id ${userId} has been deleted; enrol with allow_new_enroll to reuse it`);
  if (user.status === 'disabled') throw apiError('USER_DISABLED', `user_id ${userId} is disabled`);
  throw apiError('USER_ALREADY_ENROLLED', `user_id ${userId} is already enrolled; set allow_new_enroll to replace the registered selfie`);
}

/**
 * @file Whether a user may run a job: the enrolment state rules behind codes 2207–2216.
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
    if (!user.template) throw apiError('USER_HAS_NO_PHOTO', `user_id ${userId} has no registered selfie`);
    return user;
  }
  if (!user || allowReenroll) return user;
  if (user.status === 'deleted') throw apiError('USER_DELETED', `user_id ${userId} has been deleted; enrol with allow_new_enroll to reuse it`);
  if (user.status === 'disabled') throw apiError('USER_DISABLED', `user_id ${userId} is disabled`);
  throw apiError('USER_ALREADY_ENROLLED', `user_id ${userId} is already enrolled; set allow_new_enroll to replace the registered selfie`);
}

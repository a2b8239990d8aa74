/**
 * @file Blob keys for job images: partitioned by environment and partner, never derived from client input.
 */
import { randomBytes } from 'node:crypto';
import type { Environment, ImageRole } from '../store/types.js';

/** `group` is the SmileJobID, or a random id for images stored before their job record exists. */
export function imageKey(environment: Environment, partnerId: string, group: number | string, role: ImageRole, index: number): string {
  return `${environment}/${partnerId}/${group}/${role}-${index}-${randomBytes(6).toString('hex')}.img`;
}

/**
 * @file Creating and removing portal accounts (used by `likeness user …`): checked input, hashed password.
 */
import { randomBytes } from 'node:crypto';
import { PORTAL_ROLES, type PortalAccount, type PortalRole, type PortalStore } from '../store/portal-types.js';
import type { RecordStore } from '../store/types.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './password.js';

export class AccountInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountInputError';
  }
}

export interface NewAccountInput {
  partnerId: string;
  email: string;
  role: string;
  password: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** A random password for a new account, printed once by the CLI. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export async function createPortalAccount(records: RecordStore, portal: PortalStore, input: NewAccountInput): Promise<PortalAccount> {
  const email = input.email.trim();
  if (!EMAIL.test(email) || email.length > 254) throw new AccountInputError(`"${input.email}" is not an email address`);
  if (!(PORTAL_ROLES as readonly string[]).includes(input.role)) throw new AccountInputError(`role must be one of ${PORTAL_ROLES.join(', ')}`);
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new AccountInputError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (!(await records.getPartner(input.partnerId))) throw new AccountInputError(`no partner ${input.partnerId}; create one with \`likeness partner create\``);
  return portal.createAccount({ partnerId: input.partnerId, email, role: input.role as PortalRole, passwordHash: await hashPassword(input.password) });
}

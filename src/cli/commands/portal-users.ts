/**
 * @file `likeness user add|list|remove`: partner portal accounts (admin or reviewer), straight in the data directory.
 */
import { Command, Option } from 'commander';
import { AccountInputError, createPortalAccount, generatePassword } from '../../portal/accounts.js';
import { PORTAL_ROLES, DuplicateAccountError, type PortalAccount } from '../../store/portal-types.js';
import { action, output } from '../cli-support.js';
import { addStorageOptions, withStorage, type StorageFlags } from '../storage-options.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const accountJson = (a: PortalAccount) => ({ email: a.email, partner_id: a.partnerId, role: a.role, created_at: a.createdAt });

export function portalUsersCommand(): Command {
  const cmd = new Command('user').description('manage partner portal accounts (served under /portal)');
  addStorageOptions(cmd.command('add').description('create a portal account; prints a generated password once unless --password-stdin is given'))
    .requiredOption('--partner <id>', 'partner ID the account belongs to')
    .requiredOption('--email <email>', 'login email (unique)')
    .addOption(new Option('--role <role>', 'admin (everything) or reviewer (jobs and review queue)').choices([...PORTAL_ROLES]).makeOptionMandatory())
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .option('--json', 'print JSON')
    .action(
      action(async (o: StorageFlags & { partner: string; email: string; role: string; passwordStdin?: boolean; json?: boolean }) => {
        const generated = !o.passwordStdin;
        const password = generated ? generatePassword() : await readStdin();
        const account = await withStorage(o, async ({ records: store, portal }) => {
          try {
            return await createPortalAccount(store, portal, { partnerId: o.partner, email: o.email, role: o.role, password });
          } catch (err) {
            if (err instanceof AccountInputError || err instanceof DuplicateAccountError) throw new Error(err.message);
            throw err;
          }
        });
        output(o.json, { ...accountJson(account), ...(generated ? { password } : {}) }, () =>
          [
            `Portal account ${account.email} (${account.role}) created for partner ${account.partnerId}.`,
            generated ? `Password: ${password}\nIt is shown once.` : '',
            'Log in at https://<server>/portal/login',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      }),
    );
  addStorageOptions(cmd.command('list').description('list portal accounts'))
    .option('--partner <id>', 'only this partner')
    .option('--json', 'print JSON')
    .action(
      action(async (o: StorageFlags & { partner?: string; json?: boolean }) => {
        const accounts = await withStorage(o, ({ portal }) => portal.listAccounts(o.partner));
        output(o.json, accounts.map(accountJson), () =>
          accounts.length ? accounts.map((a) => `${a.email}  ${a.role}  partner ${a.partnerId}  created ${a.createdAt}`).join('\n') : 'No portal accounts.',
        );
      }),
    );
  addStorageOptions(cmd.command('remove').description('delete a portal account and end its sessions (its audit trail is kept)'))
    .requiredOption('--email <email>', 'login email')
    .option('--json', 'print JSON')
    .action(
      action(async (o: StorageFlags & { email: string; json?: boolean }) => {
        const removed = await withStorage(o, ({ portal }) => portal.deleteAccount(o.email));
        if (!removed) throw new Error(`no portal account ${o.email}`);
        output(o.json, { email: o.email, removed: true }, () => `Portal account ${o.email} removed.`);
      }),
    );
  return cmd;
}

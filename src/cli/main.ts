#!/usr/bin/env node
/** @file The `likeness` command line: one sub-command per file under commands/. */
import { Command } from 'commander';
import { callbacksCommand, keysCommand, usersCommand } from './commands/admin.js';
import { authenticateCommand } from './commands/authenticate.js';
import { backupCommand, restoreCommand } from './commands/backup.js';
import { compareCommand } from './commands/compare.js';
import { enrollCommand } from './commands/enroll.js';
import { livenessCommand } from './commands/liveness.js';
import { migrateCommand } from './commands/migrate.js';
import { partnerCommand } from './commands/partner.js';
import { portalUsersCommand } from './commands/portal-users.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';

const program = new Command('likeness')
  .description('Self-hosted, Smile ID-compatible SmartSelfie biometrics')
  .showHelpAfterError();

program.addCommand(serveCommand());
program.addCommand(partnerCommand());
program.addCommand(usersCommand());
program.addCommand(keysCommand());
program.addCommand(callbacksCommand());
program.addCommand(searchCommand());
program.addCommand(compareCommand());
program.addCommand(livenessCommand());
program.addCommand(portalUsersCommand());
program.addCommand(enrollCommand());
program.addCommand(authenticateCommand());
program.addCommand(statusCommand());
program.addCommand(migrateCommand());
program.addCommand(backupCommand());
program.addCommand(restoreCommand());

await program.parseAsync(process.argv);

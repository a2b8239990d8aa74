/** @file `likeness authenticate`: check a selfie against a user's registered one (SmartSelfie job type 2). */
import type { Command } from 'commander';
import { submitCommand } from './submit-command.js';

export function authenticateCommand(): Command {
  return submitCommand('authenticate');
}

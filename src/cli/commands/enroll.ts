/** @file `likeness enroll`: register a user's selfie on a Likeness server (SmartSelfie job type 4). */
import type { Command } from 'commander';
import { submitCommand } from './submit-command.js';

export function enrollCommand(): Command {
  return submitCommand('enroll');
}

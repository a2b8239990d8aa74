/**
 * @file `serve`'s options, one per row of the settings table, and the configuration they and the environment give.
 * Commander only collects the flags' text: the environment is read here, and every value is checked by the
 * configuration schema, so a bad flag and a bad variable get the same message naming both.
 */
import { Option, type Command } from 'commander';
import { configFromValues, envText, type ServerConfigInput } from '../config/server-config.js';
import { SETTINGS, type SettingSpec } from '../config/settings-table.js';

function defaultText(spec: SettingSpec): string {
  if (spec.secret || spec.default === null) return '';
  const scale = spec.unit?.scale ?? 1;
  const value = Array.isArray(spec.default) ? (spec.default.length ? spec.default.join(',') : 'none') : typeof spec.default === 'number' ? spec.default / scale : spec.default;
  return `; default ${String(value)}`;
}

/** One line of help: what it does, its variable and its default. */
export function settingHelp(spec: SettingSpec): string {
  const choices = spec.choices ? `; one of ${spec.choices.join(', ')}` : '';
  return `${spec.description} [env ${spec.env}${choices}${defaultText(spec)}]`;
}

/** Adds every setting's flag to `command`, and the environment-only settings to its help. */
export function addSettingOptions(command: Command): Command {
  for (const spec of SETTINGS) if (spec.flag) command.addOption(new Option(spec.flag, settingHelp(spec)));
  const envOnly = SETTINGS.filter((s) => s.flag === null);
  return command.addHelpText('after', `\nEnvironment only:\n${envOnly.map((s) => `  ${s.env}  ${settingHelp(s)}`).join('\n')}\n\nPrecedence: flags, then LIKENESS_* environment variables, then the defaults.`);
}

/** The configuration given by the flags (as Commander parsed them) over the environment. */
export function configFromFlagsAndEnv(opts: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): ServerConfigInput {
  return configFromValues((spec) => {
    const flag = spec.flag ? (opts[new Option(spec.flag).attributeName()] as string | true | undefined) : undefined;
    return flag ?? envText(spec, env);
  });
}

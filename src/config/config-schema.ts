/**
 * @file The configuration's JSON schema, generated from the settings table, and the check of a configuration
 * against it: every problem becomes a line naming the setting, its flag and its environment variable.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { SETTINGS, type SettingSpec } from './settings-table.js';

type JsonSchema = Record<string, unknown>;

function leafSchema(spec: SettingSpec): JsonSchema {
  const scale = spec.unit?.scale ?? 1;
  const range = { ...(spec.min !== undefined ? { minimum: spec.min * scale } : {}), ...(spec.max !== undefined ? { maximum: spec.max * scale } : {}) };
  let schema: JsonSchema;
  switch (spec.type) {
    case 'integer':
    case 'number':
      schema = { type: spec.type, ...range };
      break;
    case 'boolean':
      schema = { type: 'boolean' };
      break;
    case 'string':
      schema = { type: 'string', minLength: 1, ...(spec.choices ? { enum: [...spec.choices] } : {}), ...(spec.pattern ? { pattern: spec.pattern.source } : {}) };
      break;
    case 'list':
      schema = { type: 'array', items: { type: 'string', minLength: 1 } };
      break;
    case 'integer-list':
      schema = { type: 'array', items: { type: 'integer', ...range } };
      break;
  }
  return spec.nullable ? { anyOf: [schema, { type: 'null' }] } : schema;
}

/** The JSON schema of a whole configuration: every group closed, so an unknown key is an error. */
function configSchema(): JsonSchema {
  const root: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };
  for (const spec of SETTINGS) {
    const parts = spec.path.split('.');
    let node = root;
    for (const group of parts.slice(0, -1)) {
      const props = node.properties as Record<string, JsonSchema>;
      node = props[group] ??= { type: 'object', properties: {}, additionalProperties: false };
    }
    (node.properties as Record<string, JsonSchema>)[parts[parts.length - 1]] = leafSchema(spec);
  }
  return root;
}

const BY_PATH = new Map<string, SettingSpec>(SETTINGS.map((s) => [s.path, s]));

/** How a person names a setting: its flag and environment variable, and its key in the configuration. */
function settingLabel(spec: SettingSpec): string {
  const flag = spec.flag?.split(' ')[0];
  return `${flag ? `${flag} / ` : ''}${spec.env} (${spec.path})`;
}

/** What a valid value looks like, in the unit the flag and the environment variable take. */
function expected(spec: SettingSpec): string {
  const unit = spec.unit ? ` ${spec.unit.name}` : '';
  const range = spec.min !== undefined && spec.max !== undefined ? ` from ${spec.min} to ${spec.max}${unit}` : '';
  switch (spec.type) {
    case 'integer':
      return `an integer${range}`;
    case 'number':
      return `a number${range}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      if (spec.choices) return `one of ${spec.choices.join(', ')}`;
      return spec.pattern ? spec.pattern.means : 'a non-empty text';
    case 'list':
      return 'a comma-separated list';
    case 'integer-list':
      return `a comma-separated list of integers${range}`;
  }
}

function shown(spec: SettingSpec, value: unknown): string {
  if (spec.secret) return '(the value given)';
  const scale = spec.unit?.scale ?? 1;
  return JSON.stringify(typeof value === 'number' && scale !== 1 ? value / scale : value);
}

function valueAt(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

const validate = new Ajv({ allErrors: true, strict: true }).compile(configSchema());

/** The problems of a configuration (merged over the defaults), one line each; empty when it is valid. */
export function configProblems(config: unknown): string[] {
  const problems = new Map<string, string>();
  for (const err of validate(config) ? [] : (validate.errors as ErrorObject[])) {
    const at = err.instancePath.split('/').slice(1).filter((p) => !/^\d+$/.test(p)).join('.');
    const spec = BY_PATH.get(at);
    if (err.keyword === 'additionalProperties') {
      const key = [at, (err.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.');
      problems.set(key, `${key}: unknown setting`);
    } else if (spec) {
      problems.set(at, `${settingLabel(spec)} must be ${expected(spec)}${spec.nullable ? ' (or not set)' : ''}; got ${shown(spec, valueAt(config, at))}`);
    } else problems.set(at, `${at || 'configuration'} ${err.message ?? 'is invalid'}`);
  }
  // The checks a schema cannot express, on the values of the right type.
  for (const spec of SETTINGS) {
    const value = valueAt(config, spec.path);
    const problem = spec.check && value !== null && value !== undefined && !problems.has(spec.path) ? spec.check(value) : null;
    if (problem) problems.set(spec.path, `${settingLabel(spec)}: ${problem}`);
  }
  return [...problems.values()];
}

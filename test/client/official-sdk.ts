/**
 * @file Loads the official `smile-identity-core@3.2.1` (a CommonJS devDependency) so tests can compare behaviour.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface OfficialSdk {
  WebApi: new (partnerId: string, callback: string | null | undefined, apiKey: string, sidServer: string | number) => {
    submit_job(...args: unknown[]): Promise<unknown>;
    get_web_token(params: unknown): Promise<unknown>;
  };
  Signature: new (partnerId: string, apiKey: string) => {
    generate_signature(ts?: string | number): { signature: string; timestamp: string | number };
    confirm_signature(ts: string | number, sig: string): boolean;
  };
}

export const official = require('smile-identity-core') as OfficialSdk;
export const officialHelpers = require('smile-identity-core/dist/src/helpers.js') as { mapServerUri(x: string | number): string };

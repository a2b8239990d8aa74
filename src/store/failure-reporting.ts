/**
 * @file Wraps a store (records, queue, blobs) so that every failed call is reported, for the storage error metric,
 * except the refusals that are part of normal operation: a duplicate job_id, a lease another worker took over.
 */
import { LeaseLostError } from './task-token.js';
import { DuplicateJobError } from './types.js';

const expected = (err: unknown) => err instanceof DuplicateJobError || err instanceof LeaseLostError;

export function reportingFailures<T extends object>(target: T, onFailure: (err: unknown) => void): T {
  const report = (err: unknown) => {
    if (!expected(err)) onFailure(err);
    throw err;
  };
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = value.apply(obj, args);
        } catch (err) {
          report(err);
        }
        return result instanceof Promise ? result.catch(report) : result;
      };
    },
  });
}

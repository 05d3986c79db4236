import { setImmediate } from 'node:timers/promises';

/**
 * A long computation written once as a generator that yields between its slices: run in one go (the evaluation
 * harness, tests) or with a turn of the event loop at every yield (the server), to the same result.
 */
export type Steps<T> = Generator<void, T>;

export function runAtOnce<T>(steps: Steps<T>): T {
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}

export async function runYielding<T>(steps: Steps<T>): Promise<T> {
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return r.value;
    await setImmediate();
  }
}

// Child process for test/faults-concurrent.test.ts: waits until a given wall-clock instant, then opens (creates and
// migrates) the store in argv[2], so several processes race on a fresh file. Prints "ok" or "FAIL <message>".
import { SqliteStore } from '../src/store/store.js';

const at = Number(process.argv[3]);
const early = at - Date.now(); // > 0: this child was ready before the start instant, so it takes part in the race
while (Date.now() < at) {
  // spin: a timer would add milliseconds of jitter
}
try {
  new SqliteStore(process.argv[2]).close();
  console.log(early > 0 ? `ok (waited ${early} ms)` : `ok (late by ${-early} ms)`);
} catch (err) {
  console.log(`FAIL ${(err as Error).message}`);
  process.exit(1);
}

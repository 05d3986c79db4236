// npm run bench:prepare-store [-- --dir <dir>]: builds the full-corpus store the serving benchmarks copy (see
// prepareStore in serve-lib.ts). The benchmarks call it themselves; this entry lets you build it ahead of time.
import path from 'node:path';
import { arg } from './lib.js';
import { BENCH_STORE_DIR, prepareStore } from './serve-lib.js';

console.log(`benchmark store: ${prepareStore(path.resolve(arg('dir', BENCH_STORE_DIR)!))}`);

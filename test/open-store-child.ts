// Child process for test/faults-concurrent.test.ts: announces itself (a file `ready-<pid>` in argv[3]), waits until
// the file `go` appears there, then opens (creates and migrates) the store in argv[2], so several processes race on
// a fresh file from the same instant. Prints "ok" or "FAIL <message>".
import fs from 'node:fs';
import path from 'node:path';
import { SqliteStore } from '../src/store/store.js';

const barrier = process.argv[3];
fs.writeFileSync(path.join(barrier, `ready-${process.pid}`), '');
const go = path.join(barrier, 'go');
while (!fs.existsSync(go)) {
  // spin: a timer would add milliseconds of jitter between the racers
}
try {
  new SqliteStore(process.argv[2]).close();
  console.log('ok');
} catch (err) {
  console.log(`FAIL ${(err as Error).message}`);
  process.exit(1);
}

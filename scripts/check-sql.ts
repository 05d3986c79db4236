// npm run check:structure (part of npm test): SQL lives only in src/store. Fails on a statement, a prepared
// statement or a better-sqlite3 import anywhere else under src/, naming file and line.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';

const SRC = path.join(PROJECT_ROOT, 'src');
const ALLOWED = path.join(SRC, 'store') + path.sep;
const SQL = [
  /\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER|VIRTUAL)|PRAGMA\s+\w)/,
  /\.(prepare|pragma)\(/,
  /from ['"]better-sqlite3['"]/,
];

function* files(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(p);
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name)) yield p;
  }
}

const found: string[] = [];
for (const file of files(SRC)) {
  if (file.startsWith(ALLOWED)) continue;
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (SQL.some((re) => re.test(line))) found.push(`${path.relative(PROJECT_ROOT, file)}:${i + 1}: ${line.trim()}`);
    });
}
if (found.length) {
  console.error(`SQL outside src/store (move it behind a port in src/store/ports.ts):\n${found.join('\n')}`);
  process.exit(1);
}
console.log('check-sql: no SQL outside src/store');

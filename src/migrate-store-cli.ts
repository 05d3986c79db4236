// npm run migrate-store -- --to postgres://…: copies the SQLite store in DATA_DIR into PostgreSQL (resumable: run it
// again after an interruption), then checks every count. The SQLite store is only read.
import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { PostgresEngine } from './store/postgres-engine.js';
import { copySqliteToPostgres } from './store/pg/copy-from-sqlite.js';

const USAGE = 'usage: npm run migrate-store -- --to postgres://user@host/db   (copies the SQLite store in DATA_DIR)';

let engine: PostgresEngine | undefined;
try {
  const { values } = parseArgs({ options: { to: { type: 'string' } } });
  if (!values.to || !/^postgres(ql)?:\/\//.test(values.to)) throw new Error(`--to must be a postgres:// URL\n${USAGE}`);
  const config = loadConfig({ ...process.env, DATABASE_URL: undefined });
  engine = await PostgresEngine.open(values.to);
  const started = Date.now();
  const r = await copySqliteToPostgres(config.DATA_DIR, engine.pool, (m) => console.error(m));
  console.log(
    `migrate-store: ${engine.location} now holds ${r.papers} papers, ${r.vectors} vectors, ${r.users} users, ${r.stars} stars, ` +
      `${r.feedback} feedback, ${r.collections} collections, ${r.own_papers} own papers (and ${r.ops.digest_subscriptions} digest subscriptions, ` +
      `${r.ops.digest_outbox} digest messages, ${r.ops.source_state} source checkpoints; ${r.written} rows written by this run, counts checked) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await engine.close();
} catch (err) {
  console.error(`migrate-store failed: ${(err as Error).message}`);
  await engine?.close();
  process.exit(1);
}

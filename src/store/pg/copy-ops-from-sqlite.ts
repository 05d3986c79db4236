import type Database from 'better-sqlite3';
import type pg from 'pg';

type Row = Record<string, unknown>;

/** The operational tables migrate-store copies besides papers and users: their columns (PostgreSQL types), in FK order. */
export const OPS_TABLES: { table: string; columns: [string, string][] }[] = [
  {
    table: 'source_state',
    columns: [
      ['source', 'text'], ['harvested_until', 'text'], ['newest_datestamp', 'text'], ['cursor', 'text'], ['last_run_at', 'text'],
      ['last_success_at', 'text'], ['last_error', 'text'], ['last_error_at', 'text'], ['runs', 'int'], ['failures', 'int'],
      ['papers_added', 'int'], ['papers_updated', 'int'], ['last_run_added', 'int'],
    ],
  },
  {
    table: 'digest_subscriptions',
    columns: [
      ['id', 'text'], ['kind', 'text'], ['user_id', 'text'], ['email', 'text'], ['cadence', 'text'], ['hour', 'int'], ['time_zone', 'text'],
      ['k', 'int'], ['category', 'text'], ['status', 'text'], ['failures', 'int'], ['since_seq', 'int'], ['created_at', 'text'], ['updated_at', 'text'],
    ],
  },
  {
    table: 'digest_tokens',
    columns: [['hash', 'text'], ['purpose', 'text'], ['email', 'text'], ['subscription_id', 'text'], ['created_at', 'text'], ['expires_at', 'text'], ['used_at', 'text']],
  },
  {
    table: 'digest_outbox',
    columns: [
      ['id', 'bigint'], ['subscription_id', 'text'], ['period', 'text'], ['state', 'text'], ['recipient', 'text'], ['message_id', 'text'],
      ['message', 'text'], ['attempts', 'int'], ['next_attempt_at', 'text'], ['claimed_by', 'text'], ['last_error', 'text'],
      ['planned_at', 'text'], ['sent_at', 'text'],
    ],
  },
  { table: 'digest_items', columns: [['subscription_id', 'text'], ['paper_id', 'text'], ['period', 'text']] },
];

const PAGE = 2000;

/**
 * Copies the sources' checkpoints and the digests (subscriptions, link-token hashes, the outbox with its stored
 * messages, the papers each subscription was sent) and the digest link key, so links in mails already sent keep
 * working and no digest is planned or sent twice. Rows already there are skipped: a rerun resumes. Rows written.
 */
export async function copyOpsTables(db: Database.Database, c: pg.PoolClient, log: (msg: string) => void): Promise<number> {
  let written = 0;
  for (const { table, columns } of OPS_TABLES) {
    const rows = db.prepare<[], Row>(`SELECT * FROM ${table}`).all();
    for (let i = 0; i < rows.length; i += PAGE) {
      const page = rows.slice(i, i + PAGE);
      const values = columns.map(([name]) => page.map((r) => (name === 'claimed_by' && r[name] !== null ? String(r[name]) : r[name])));
      const names = columns.map(([n]) => n).join(', ');
      const arrays = columns.map(([, type], k) => `$${k + 1}::${type}[]`).join(', ');
      written += (await c.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ON CONFLICT DO NOTHING`, values)).rowCount ?? 0;
    }
  }
  await c.query("SELECT setval(pg_get_serial_sequence('digest_outbox', 'id'), greatest((SELECT max(id) FROM digest_outbox), 1))");
  const secret = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'digest_secret'").get();
  if (secret) {
    const r = await c.query("INSERT INTO meta (key, value) VALUES ('digest_secret', $1) ON CONFLICT (key) DO NOTHING", [secret.value]);
    written += r.rowCount ?? 0;
    const now = (await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'digest_secret'")).rows[0].value;
    if (now !== secret.value) log('migrate-store: the target already had its own digest link key: links in mails sent from the SQLite store no longer work');
  }
  return written;
}

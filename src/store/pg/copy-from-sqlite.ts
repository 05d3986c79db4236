import type pg from 'pg';
import { SqliteStore } from '../store.js';
import { copyOpsTables, OPS_TABLES } from './copy-ops-from-sqlite.js';
import { inTransaction } from './pool.js';
import { appendChanges } from './writes.js';

const PAGE = 2000;

export interface CopyReport {
  papers: number;
  vectors: number;
  users: number;
  stars: number;
  feedback: number;
  collections: number;
  collection_papers: number;
  own_papers: number;
  /** Sources' checkpoints and digests: rows per table (copy-ops-from-sqlite.ts). */
  ops: Record<string, number>;
  /** Rows written by this run (a resumed run writes only what the last one had not). */
  written: number;
}

type Row = Record<string, unknown>;

/** Inserts rows given column by column (one statement per page), skipping those already there; how many it added. */
async function insertColumns(c: pg.PoolClient, table: string, columns: [string, string][], rows: Row[], returning?: string) {
  if (rows.length === 0) return { count: 0, returned: [] as unknown[] };
  const names = columns.map(([n]) => n).join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const { rows: out, rowCount } = await c.query(
    `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ON CONFLICT DO NOTHING${returning ? ` RETURNING ${returning}` : ''}`,
    columns.map(([n]) => rows.map((r) => r[n])),
  );
  return { count: rowCount ?? 0, returned: returning ? out.map((r) => r[returning]) : [] };
}

/**
 * Copies a SQLite store (DATA_DIR) into a PostgreSQL database: papers with their seqs (the index labels), every
 * model's vectors, users with their token and feed-key hashes, stars, feedback, collections, own papers, the model
 * binding, the sources' checkpoints and the digests (subscriptions, tokens, outbox, link key). Page by page,
 * each page one transaction that skips rows already there, so an interrupted copy resumes where it stopped when
 * run again. Copied vectors are appended to the change log, so running replicas pick them up. Refuses a target
 * that holds papers it did not get from a copy, or is bound to another model; checks every count at the end.
 */
export async function copySqliteToPostgres(dataDir: string, pool: pg.Pool, log: (msg: string) => void): Promise<CopyReport> {
  const store = new SqliteStore(dataDir);
  try {
    const db = store.db;
    const model = store.modelInfo();
    const meta = new Map((await pool.query<{ key: string; value: string }>('SELECT key, value FROM meta')).rows.map((r) => [r.key, r.value]));
    const targetPapers = (await pool.query<{ n: number }>('SELECT count(*) AS n FROM papers')).rows[0].n;
    if (targetPapers > 0 && meta.get('copied_from') !== store.file) {
      throw new Error(`the target database already holds ${targetPapers} papers that were not copied from ${store.file}; use an empty database`);
    }
    if (model && meta.has('model') && (meta.get('model') !== model.model || meta.get('dim') !== String(model.dim))) {
      throw new Error(`the target database is bound to model ${meta.get('model')} (dim ${meta.get('dim')}), the store to ${model.model} (dim ${model.dim})`);
    }
    await pool.query(
      `INSERT INTO meta (key, value) VALUES ('copied_from', $1) ${model ? ", ('model', $2), ('dim', $3)" : ''} ON CONFLICT (key) DO NOTHING`,
      model ? [store.file, model.model, String(model.dim)] : [store.file],
    );
    let written = 0;

    const paperPage = db.prepare<[number, number], Row>('SELECT * FROM papers WHERE seq > ? ORDER BY seq LIMIT ?');
    const vectorPage = db.prepare<[number, number], Row>('SELECT * FROM vectors WHERE paper_seq > ? AND paper_seq <= ? ORDER BY paper_seq');
    for (let after = 0; ; ) {
      const papers = paperPage.all(after, PAGE);
      if (papers.length === 0) break;
      const last = papers[papers.length - 1].seq as number;
      const vectors = vectorPage.all(after, last);
      written += await inTransaction(pool, async (c) => {
        const col = (name: string) => papers.map((r) => r[name]);
        const p = await c.query(
          `INSERT INTO papers (seq, id, title, abstract, authors, published, categories, upvotes, source, content_hash, meta, created_at, updated_at)
           SELECT seq, id, title, abstract, authors::jsonb, published, ARRAY(SELECT jsonb_array_elements_text(categories::jsonb)),
                  upvotes, source, content_hash, meta, created_at, updated_at
             FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[],
                         $10::text[], $11::text[], $12::text[], $13::text[])
               AS t(seq, id, title, abstract, authors, published, categories, upvotes, source, content_hash, meta, created_at, updated_at)
           ON CONFLICT DO NOTHING`,
          ['seq', 'id', 'title', 'abstract', 'authors', 'published', 'categories', 'upvotes', 'source', 'content_hash', 'meta', 'created_at', 'updated_at'].map(col),
        );
        const v = await insertColumns(
          c,
          'vectors',
          [['paper_seq', 'int'], ['model', 'text'], ['dim', 'int'], ['content_hash', 'text'], ['vec', 'bytea']],
          vectors,
          'paper_seq',
        );
        await appendChanges(c, v.returned as number[]);
        return (p.rowCount ?? 0) + v.count;
      });
      after = last;
      log(`migrate-store: papers up to seq ${last} copied`);
    }
    // Seqs were copied as they were: new papers get seqs after them.
    await pool.query("SELECT setval(pg_get_serial_sequence('papers', 'seq'), greatest((SELECT max(seq) FROM papers), 1))");

    const userRows = db.prepare<[], Row>('SELECT * FROM users').all();
    const starRows = db.prepare<[], Row>('SELECT * FROM stars').all();
    const feedbackRows = db.prepare<[], Row>('SELECT * FROM feedback').all();
    const collectionRows = db.prepare<[], Row>('SELECT * FROM collections').all();
    const collectionPaperRows = db.prepare<[], Row>('SELECT * FROM collection_papers').all();
    const ownPaperRows = db.prepare<[], Row>('SELECT * FROM own_papers').all();
    written += await inTransaction(pool, async (c) => {
      let n = 0;
      for (let i = 0; i < userRows.length; i += PAGE) {
        n += (await insertColumns(c, 'users', [['id', 'text'], ['name', 'text'], ['token_hash', 'text'], ['feed_key_hash', 'text'], ['created_at', 'text']], userRows.slice(i, i + PAGE))).count;
      }
      for (let i = 0; i < starRows.length; i += PAGE) {
        n += (await insertColumns(c, 'stars', [['user_id', 'text'], ['paper_id', 'text'], ['created_at', 'text']], starRows.slice(i, i + PAGE))).count;
      }
      for (let i = 0; i < feedbackRows.length; i += PAGE) {
        n += (await insertColumns(c, 'feedback', [['user_id', 'text'], ['paper_id', 'text'], ['kind', 'text'], ['created_at', 'text']], feedbackRows.slice(i, i + PAGE))).count;
      }
      for (let i = 0; i < collectionRows.length; i += PAGE) {
        const columns: [string, string][] = [['id', 'text'], ['user_id', 'text'], ['name', 'text'], ['share_key_hash', 'text'], ['created_at', 'text']];
        n += (await insertColumns(c, 'collections', columns, collectionRows.slice(i, i + PAGE))).count;
      }
      for (let i = 0; i < collectionPaperRows.length; i += PAGE) {
        const columns: [string, string][] = [['collection_id', 'text'], ['paper_id', 'text'], ['created_at', 'text']];
        n += (await insertColumns(c, 'collection_papers', columns, collectionPaperRows.slice(i, i + PAGE))).count;
      }
      for (let i = 0; i < ownPaperRows.length; i += PAGE) {
        const columns: [string, string][] = [
          ['seq', 'int'], ['id', 'text'], ['user_id', 'text'], ['title', 'text'], ['abstract', 'text'], ['authors', 'text'], ['published', 'text'],
          ['doi', 'text'], ['content_hash', 'text'], ['model', 'text'], ['vec', 'bytea'], ['created_at', 'text'],
        ];
        n += (await insertColumns(c, 'own_papers', columns, ownPaperRows.slice(i, i + PAGE))).count;
      }
      return n + (await copyOpsTables(db, c, log));
    });

    const count = async (table: string) => (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n;
    const source = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    // Own papers keep their seqs (shown negated): new ones get seqs after them.
    await pool.query("SELECT setval(pg_get_serial_sequence('own_papers', 'seq'), greatest((SELECT max(seq) FROM own_papers), 1))");
    const report: CopyReport = { papers: 0, vectors: 0, users: 0, stars: 0, feedback: 0, collections: 0, collection_papers: 0, own_papers: 0, ops: {}, written };
    for (const table of ['papers', 'vectors', 'users', 'stars', 'feedback', 'collections', 'collection_papers', 'own_papers'] as const) {
      const [from, to] = [source(table), await count(table)];
      if (from !== to) throw new Error(`count mismatch in ${table}: ${from} in the SQLite store, ${to} in PostgreSQL`);
      report[table] = to;
    }
    for (const { table } of OPS_TABLES) {
      const [from, to] = [source(table), await count(table)];
      if (from !== to) throw new Error(`count mismatch in ${table}: ${from} in the SQLite store, ${to} in PostgreSQL`);
      report.ops[table] = to;
    }
    // Fresh statistics for keyword search's idf (pg/term-stats.ts) now, not when autovacuum gets to it.
    if (written > 0) await pool.query('ANALYZE paper_search');
    return report;
  } finally {
    store.close();
  }
}

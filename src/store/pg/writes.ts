import { metaJson } from '../paper-meta.js';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { binaryCopyRows } from './binary-copy.js';
import type { IngestLookup, PaperWrite, PaperWrites, TermRow, TextRow } from '../ports.js';
import { PAPER_COLUMNS, rowToPaper, storable, type PaperRow } from './papers.js';
import { termsToBytes, toBytes } from '../vector-bytes.js';
import { inTransaction } from './pool.js';
import { LOCKS } from './schema.js';

/**
 * Appends paper seqs to the change log. The advisory lock is held until the caller's commit, so versions become
 * visible in the order they were handed out: a reader that sees version v has every version below it, and
 * "changes after my last version" never misses one that committed late. It is taken last in the transaction, so
 * writers queue only for the append and the commit.
 */
export async function appendChanges(c: pg.PoolClient, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.changeLog]);
  await c.query('INSERT INTO changes (paper_seq) SELECT unnest($1::int[])', [seqs]);
}

/** Splits a batch into runs without a repeated id (one upsert statement may not touch a row twice), in order. */
function runsWithoutRepeats(writes: PaperWrite[]): PaperWrite[][] {
  const runs: PaperWrite[][] = [];
  let run: PaperWrite[] = [];
  let ids = new Set<string>();
  for (const w of writes) {
    if (ids.has(w.paper.id)) {
      runs.push(run);
      run = [];
      ids = new Set();
    }
    run.push(w);
    ids.add(w.paper.id);
  }
  if (run.length) runs.push(run);
  return runs;
}

/**
 * Each batch goes in with a binary COPY into this per-connection staging table, then two set-based upserts from it,
 * all in the batch's transaction (a temp table is private to its connection; its rows go at commit).
 */
const STAGE = `
  CREATE TEMP TABLE IF NOT EXISTS paper_stage (
    id text, title text, abstract text, authors text, published text, categories text, upvotes int4, source text,
    content_hash text, meta text, vec bytea, terms bytea
  ) ON COMMIT DELETE ROWS`;
const STAGE_COLUMNS = 'id, title, abstract, authors, published, categories, upvotes, source, content_hash, meta, vec, terms';

// Also says which stored papers got other categories: `before` reads the rows as they were when the statement began.
const UPSERT_PAPERS = `
  WITH before AS (SELECT p.seq, p.categories FROM papers p JOIN paper_stage s ON s.id = p.id),
  upserted AS (
    INSERT INTO papers (id, title, abstract, authors, published, categories, upvotes, source, content_hash, meta, created_at, updated_at)
    SELECT id, title, abstract, authors::jsonb, published, ARRAY(SELECT jsonb_array_elements_text(categories::jsonb)),
           upvotes, source, content_hash, meta, $1, $1
      FROM paper_stage
    ON CONFLICT (id) DO UPDATE SET title = excluded.title, abstract = excluded.abstract, authors = excluded.authors,
      published = excluded.published, categories = excluded.categories, upvotes = excluded.upvotes, source = excluded.source,
      content_hash = excluded.content_hash, meta = excluded.meta, updated_at = excluded.updated_at
    RETURNING seq, id, categories)
  SELECT u.seq, u.id, b.categories IS DISTINCT FROM u.categories AND b.seq IS NOT NULL AS recategorised
    FROM upserted u LEFT JOIN before b ON b.seq = u.seq`;

const UPSERT_VECTORS = `
  INSERT INTO vectors (paper_seq, model, dim, content_hash, vec)
  SELECT p.seq, $1, $2, s.content_hash, s.vec FROM paper_stage s JOIN papers p ON p.id = s.id WHERE s.vec IS NOT NULL
  ON CONFLICT (paper_seq, model) DO UPDATE SET dim = excluded.dim, content_hash = excluded.content_hash, vec = excluded.vec`;

const UPSERT_STAGED_TERMS = `
  INSERT INTO paper_terms (paper_seq, terms)
  SELECT p.seq, s.terms FROM paper_stage s JOIN papers p ON p.id = s.id WHERE s.terms IS NOT NULL
  ON CONFLICT (paper_seq) DO UPDATE SET terms = excluded.terms`;

/** Writes one run of papers (distinct ids) and their new vectors; returns the seqs whose vectors or categories changed. */
async function writeRun(c: pg.PoolClient, run: PaperWrite[], model: string, dim: number, now: string): Promise<number[]> {
  await c.query(STAGE);
  await c.query('DELETE FROM paper_stage'); // an earlier run of this batch
  const rows = binaryCopyRows(
    run.map(({ paper: p, contentHash, vector, terms }) => [
      { text: p.id },
      { text: p.title },
      { text: p.abstract },
      { text: JSON.stringify(p.authors) },
      { text: p.published },
      { text: JSON.stringify(p.categories) },
      { int4: p.upvotes },
      { text: p.source },
      { text: contentHash },
      { text: metaJson(p.meta) },
      { bytes: vector ? toBytes(vector) : null },
      { bytes: terms ? termsToBytes(terms) : null },
    ]),
  );
  await pipeline(Readable.from([rows]), c.query(copyFrom(`COPY paper_stage (${STAGE_COLUMNS}) FROM STDIN (FORMAT binary)`)));
  const upserted = (await c.query<{ seq: number; id: string; recategorised: boolean }>(UPSERT_PAPERS, [now])).rows;
  const seqOf = new Map(upserted.map((r) => [r.id, r.seq]));
  await c.query(UPSERT_STAGED_TERMS);
  const withVector = run.filter((w) => w.vector);
  if (withVector.length) await c.query(UPSERT_VECTORS, [model, dim]);
  const changed = new Set(withVector.map((w) => seqOf.get(w.paper.id)!));
  for (const r of upserted) if (r.recategorised) changed.add(r.seq); // the lexicons hold categories: they follow the log too
  return [...changed];
}

const UPSERT_TERMS = `
  INSERT INTO paper_terms (paper_seq, terms)
  SELECT t.seq, t.terms FROM unnest($1::int[], $2::bytea[]) AS t(seq, terms) JOIN papers p ON p.seq = t.seq
  ON CONFLICT (paper_seq) DO UPDATE SET terms = excluded.terms`;

/** Upserts term vectors (papers deleted meanwhile are skipped by the join). */
async function saveTerms(c: pg.PoolClient | pg.Pool, rows: readonly TermRow[]): Promise<void> {
  if (rows.length) await c.query(UPSERT_TERMS, [rows.map((r) => r.seq), rows.map((r) => termsToBytes(r.terms))]);
}

/** The paper-writes port on PostgreSQL: each batch is one transaction of a few set-based statements. */
export function pgPaperWrites(pool: pg.Pool): PaperWrites {
  return {
    async lookupForIngest(ids, model) {
      const out = new Map<string, IngestLookup>();
      if (ids.length === 0) return out;
      const { rows } = await pool.query<PaperRow & { vector_hash: string | null }>(
        `SELECT ${PAPER_COLUMNS}, v.content_hash AS vector_hash
           FROM papers p LEFT JOIN vectors v ON v.paper_seq = p.seq AND v.model = $1
          WHERE p.id = ANY ($2::text[])`,
        [model, ids.filter(storable)],
      );
      for (const row of rows) out.set(row.id, { paper: rowToPaper(row), vectorHash: row.vector_hash ?? undefined });
      return out;
    },
    async writeBatch(writes, model, dim) {
      for (const w of writes) {
        if (w.vector && w.vector.length !== dim) throw new Error(`vector for ${w.paper.id} has dim ${w.vector.length}, expected ${dim}`);
      }
      if (writes.length === 0) return;
      await inTransaction(pool, async (c) => {
        const now = new Date().toISOString();
        const changed: number[] = [];
        for (const run of runsWithoutRepeats(writes)) changed.push(...(await writeRun(c, run, model, dim, now)));
        await appendChanges(c, changed);
      });
    },
    async deletePaper(id) {
      if (!storable(id)) return undefined;
      return inTransaction(pool, async (c) => {
        const row = (await c.query<{ seq: number }>('DELETE FROM papers WHERE id = $1 RETURNING seq', [id])).rows[0];
        if (!row) return undefined;
        await appendChanges(c, [row.seq]);
        return row.seq;
      });
    },
    async papersWithoutTerms(after, limit) {
      const { rows } = await pool.query<TextRow>(
        `SELECT seq, title, abstract FROM papers p
          WHERE seq > $1 AND NOT EXISTS (SELECT 1 FROM paper_terms t WHERE t.paper_seq = p.seq) ORDER BY seq LIMIT $2`,
        [after, limit],
      );
      return rows;
    },
    async saveTerms(rows) {
      await saveTerms(pool, rows);
    },
  };
}

import { metaJson } from '../paper-meta.js';
import type pg from 'pg';
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

const UPSERT_PAPERS = `
  INSERT INTO papers (id, title, abstract, authors, published, categories, upvotes, source, content_hash, meta, created_at, updated_at)
  SELECT id, title, abstract, authors::jsonb, published, ARRAY(SELECT jsonb_array_elements_text(categories::jsonb)),
         upvotes, source, content_hash, meta, $11, $11
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[])
      AS t(id, title, abstract, authors, published, categories, upvotes, source, content_hash, meta)
  ON CONFLICT (id) DO UPDATE SET title = excluded.title, abstract = excluded.abstract, authors = excluded.authors,
    published = excluded.published, categories = excluded.categories, upvotes = excluded.upvotes, source = excluded.source,
    content_hash = excluded.content_hash, meta = excluded.meta, updated_at = excluded.updated_at
  RETURNING seq, id`;

const UPSERT_VECTORS = `
  INSERT INTO vectors (paper_seq, model, dim, content_hash, vec)
  SELECT seq, $2, $3, content_hash, vec FROM unnest($1::int[], $4::text[], $5::bytea[]) AS t(seq, content_hash, vec)
  ON CONFLICT (paper_seq, model) DO UPDATE SET dim = excluded.dim, content_hash = excluded.content_hash, vec = excluded.vec`;

/** Writes one run of papers (distinct ids) and their new vectors; returns the seqs whose vectors changed. */
async function writeRun(c: pg.PoolClient, run: PaperWrite[], model: string, dim: number, now: string): Promise<number[]> {
  const col = <T>(f: (w: PaperWrite) => T) => run.map(f);
  const rows = (
    await c.query<{ seq: number; id: string }>(UPSERT_PAPERS, [
      col((w) => w.paper.id),
      col((w) => w.paper.title),
      col((w) => w.paper.abstract),
      col((w) => JSON.stringify(w.paper.authors)),
      col((w) => w.paper.published),
      col((w) => JSON.stringify(w.paper.categories)),
      col((w) => w.paper.upvotes),
      col((w) => w.paper.source),
      col((w) => w.contentHash),
      col((w) => metaJson(w.paper.meta)),
      now,
    ])
  ).rows;
  const seqOf = new Map(rows.map((r) => [r.id, r.seq]));
  await saveTerms(c, run.flatMap((w) => (w.terms ? [{ seq: seqOf.get(w.paper.id)!, terms: w.terms }] : [])));
  const withVector = run.filter((w) => w.vector);
  if (withVector.length === 0) return [];
  const seqs = withVector.map((w) => seqOf.get(w.paper.id)!);
  await c.query(UPSERT_VECTORS, [seqs, model, dim, withVector.map((w) => w.contentHash), withVector.map((w) => toBytes(w.vector!))]);
  return seqs;
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

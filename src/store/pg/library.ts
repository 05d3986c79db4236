import type pg from 'pg';
import { newId, newShareKey, rowToCollection, rowToOwnPaper, titleWords } from '../library.js';
import type { Library } from '../ports.js';
import { hashSecret } from '../users.js';
import { toBytes } from '../vector-bytes.js';
import { storable } from './papers.js';
import { increasingTimestamps, inTransaction, storableQuery } from './pool.js';

const COLLECTION_COLUMNS =
  'c.id, c.user_id, c.name, c.created_at, c.share_key_hash IS NOT NULL AS shared, (SELECT count(*) FROM collection_papers cp WHERE cp.collection_id = c.id)::int AS size';

/** The Library port on PostgreSQL: every call one statement, an import one transaction. */
export function pgLibrary(pool: pg.Pool): Library {
  const timestamp = increasingTimestamps();
  const q = storableQuery(pool, storable);
  const changed = (r: { rowCount: number | null }) => (r.rowCount ?? 0) > 0;

  return {
    async createCollection(userId, name) {
      if (!storable(name)) throw new Error('a collection name cannot contain U+0000');
      const c = { id: newId('c'), userId, name, createdAt: new Date().toISOString(), shared: false, size: 0 };
      const r = await q('INSERT INTO collections (id, user_id, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [c.id, userId, name, c.createdAt]);
      return changed(r) ? c : undefined;
    },
    async collections(userId) {
      const { rows } = await q(`SELECT ${COLLECTION_COLUMNS} FROM collections c WHERE c.user_id = $1 ORDER BY c.created_at, c.id COLLATE "C"`, [userId]);
      return rows.map((r) => rowToCollection(r as Parameters<typeof rowToCollection>[0]));
    },
    async collection(id) {
      const r = (await q(`SELECT ${COLLECTION_COLUMNS} FROM collections c WHERE c.id = $1`, [id])).rows[0];
      return r && rowToCollection(r as Parameters<typeof rowToCollection>[0]);
    },
    deleteCollection: async (id) => changed(await q('DELETE FROM collections WHERE id = $1', [id])),
    addToCollection: async (id, paperId) =>
      changed(await q('INSERT INTO collection_papers (collection_id, paper_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [id, paperId, timestamp()])),
    removeFromCollection: async (id, paperId) => changed(await q('DELETE FROM collection_papers WHERE collection_id = $1 AND paper_id = $2', [id, paperId])),
    async collectionPaperIds(id) {
      const { rows } = await q('SELECT paper_id FROM collection_papers WHERE collection_id = $1 ORDER BY created_at DESC, paper_id COLLATE "C" DESC', [id]);
      return rows.map((r) => r.paper_id as string);
    },
    async collectionsWith(userId, paperId) {
      const { rows } = await q(
        `SELECT c.id FROM collections c JOIN collection_papers cp ON cp.collection_id = c.id
          WHERE c.user_id = $1 AND cp.paper_id = $2 ORDER BY c.created_at, c.id COLLATE "C"`,
        [userId, paperId],
      );
      return rows.map((r) => r.id as string);
    },
    async createShareKey(id) {
      const key = newShareKey();
      if (!changed(await q('UPDATE collections SET share_key_hash = $1 WHERE id = $2', [hashSecret(key), id]))) throw new Error(`no collection ${id}`);
      return key;
    },
    revokeShareKey: async (id) => changed(await q('UPDATE collections SET share_key_hash = NULL WHERE id = $1 AND share_key_hash IS NOT NULL', [id])),
    async collectionForShareKey(key) {
      return (await q('SELECT id FROM collections WHERE share_key_hash = $1', [hashSecret(key)])).rows[0]?.id;
    },
    async ownPapers(userId, ids) {
      if (!ids) {
        const { rows } = await q('SELECT * FROM own_papers WHERE user_id = $1 ORDER BY seq DESC', [userId]);
        return rows.map((r) => rowToOwnPaper(r as Parameters<typeof rowToOwnPaper>[0]));
      }
      const { rows } = await q('SELECT * FROM own_papers WHERE user_id = $1 AND id = ANY ($2::text[])', [userId, ids.filter(storable)]);
      const byId = new Map(rows.map((r) => [r.id as string, rowToOwnPaper(r as Parameters<typeof rowToOwnPaper>[0])]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
    async deleteOwnPaper(userId, id) {
      if (!storable(id)) return false;
      return inTransaction(pool, async (c) => {
        if (!changed(await c.query('DELETE FROM own_papers WHERE user_id = $1 AND id = $2', [userId, id]))) return false;
        await c.query('DELETE FROM stars WHERE user_id = $1 AND paper_id = $2', [userId, id]);
        await c.query('DELETE FROM collection_papers WHERE paper_id = $1 AND collection_id IN (SELECT id FROM collections WHERE user_id = $2)', [id, userId]);
        return true;
      });
    },
    async paperIdsByDoi(dois) {
      if (dois.length === 0) return new Map();
      const { rows } = await pool.query<{ id: string; doi: string }>(
        `SELECT id, lower(meta::jsonb ->> 'doi') AS doi FROM papers WHERE lower(meta::jsonb ->> 'doi') = ANY ($1::text[])`,
        [dois.filter(storable)],
      );
      return new Map(rows.map((r) => [r.doi, r.id]));
    },
    async titleCandidates(titles, limit) {
      // The title as written (the parser must split hyphenated words as it did for the stored text, or positions
      // shift); only letters, digits, marks, hyphens and spaces, so no tsquery syntax gets through.
      const phrases = titles.map((t) => (titleWords(t).length ? t.replace(/[^\p{L}\p{N}\p{M}-]+/gu, ' ').trim().slice(0, 1000) : ''));
      // One round trip: a phrase query per title through the GIN index (title or abstract; the caller compares titles).
      const { rows } = await pool.query<{ i: number; id: string; title: string }>(
        `SELECT t.i::int AS i, p.id, p.title
           FROM unnest($1::text[]) WITH ORDINALITY AS t(q, i)
           CROSS JOIN LATERAL (
             SELECT s.seq FROM paper_search s WHERE t.q <> '' AND s.doc @@ phraseto_tsquery('english', t.q) LIMIT $2
           ) h
           JOIN papers p ON p.seq = h.seq`,
        [phrases, limit],
      );
      const out: { id: string; title: string }[][] = titles.map(() => []);
      for (const r of rows) out[r.i - 1].push({ id: r.id, title: r.title });
      return out;
    },
    importLibrary: (w) =>
      inTransaction(pool, async (c) => {
        const ownPaperIds: string[] = [];
        for (const p of w.ownPapers) {
          const id = newId('own');
          await c.query(
            `INSERT INTO own_papers (id, user_id, title, abstract, authors, published, doi, content_hash, model, vec, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
            [id, w.userId, p.title, p.abstract, JSON.stringify(p.authors), p.published, p.doi, p.contentHash, p.model, toBytes(p.vector), timestamp()],
          );
          ownPaperIds.push(id);
        }
        const ids = [...w.paperIds, ...ownPaperIds];
        const times = ids.map(() => timestamp());
        const r = w.collectionId
          ? await c.query(
              `INSERT INTO collection_papers (collection_id, paper_id, created_at)
               SELECT $1, id, t FROM unnest($2::text[], $3::text[]) AS u(id, t) ON CONFLICT DO NOTHING`,
              [w.collectionId, ids, times],
            )
          : await c.query(
              `INSERT INTO stars (user_id, paper_id, created_at)
               SELECT $1, id, t FROM unnest($2::text[], $3::text[]) AS u(id, t) ON CONFLICT DO NOTHING`,
              [w.userId, ids, times],
            );
        return { ownPaperIds, added: r.rowCount ?? 0 };
      }),
  };
}

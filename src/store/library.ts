import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Collection, Library, LibraryImportWrite, OwnPaper } from './ports.js';
import { hashSecret } from './users.js';
import { fromBytes, toBytes } from './vector-bytes.js';

export const newId = (prefix: string) => `${prefix}_${crypto.randomBytes(8).toString('hex')}`;
export const newShareKey = () => `pfc_${crypto.randomBytes(24).toString('base64url')}`;

interface CollectionRow {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  shared: number | boolean;
  size: number;
}
export const rowToCollection = (r: CollectionRow): Collection => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  createdAt: r.created_at,
  shared: Boolean(r.shared),
  size: Number(r.size),
});

export interface OwnPaperRow {
  seq: number;
  id: string;
  user_id: string;
  title: string;
  abstract: string;
  authors: string | string[];
  published: string | null;
  doi: string | null;
  content_hash: string;
  model: string;
  vec: Buffer;
  created_at: string;
}
export const rowToOwnPaper = (r: OwnPaperRow): OwnPaper => ({
  seq: -Number(r.seq),
  id: r.id,
  userId: r.user_id,
  title: r.title,
  abstract: r.abstract,
  authors: typeof r.authors === 'string' ? JSON.parse(r.authors) : r.authors,
  published: r.published,
  categories: [],
  upvotes: null,
  source: 'import',
  doi: r.doi,
  contentHash: r.content_hash,
  model: r.model,
  vector: fromBytes(r.vec),
  createdAt: r.created_at,
});

/** A title's words as the keyword index splits them (letters, digits, marks), lower-cased, at most 64. */
export const titleWords = (title: string) => (title.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).slice(0, 64);

const COLLECTION_COLUMNS =
  'c.id, c.user_id, c.name, c.created_at, c.share_key_hash IS NOT NULL AS shared, (SELECT count(*) FROM collection_papers cp WHERE cp.collection_id = c.id) AS size';

/** The Library port on SQLite: every call one statement, an import one transaction. */
export function sqliteLibrary(db: Database.Database): Library {
  let lastTimestamp = 0;
  /** Strictly increasing, so papers added within one millisecond still list newest first. */
  const timestamp = () => {
    lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
    return new Date(lastTimestamp).toISOString();
  };
  const stmt = {
    insertCollection: db.prepare('INSERT INTO collections (id, user_id, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    collections: db.prepare<[string], CollectionRow>(`SELECT ${COLLECTION_COLUMNS} FROM collections c WHERE c.user_id = ? ORDER BY c.created_at, c.id`),
    collection: db.prepare<[string], CollectionRow>(`SELECT ${COLLECTION_COLUMNS} FROM collections c WHERE c.id = ?`),
    deleteCollection: db.prepare<[string]>('DELETE FROM collections WHERE id = ?'),
    add: db.prepare<[string, string, string]>('INSERT INTO collection_papers (collection_id, paper_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    remove: db.prepare<[string, string]>('DELETE FROM collection_papers WHERE collection_id = ? AND paper_id = ?'),
    paperIds: db
      .prepare<[string], string>('SELECT paper_id FROM collection_papers WHERE collection_id = ? ORDER BY created_at DESC, paper_id DESC')
      .pluck(),
    collectionsWith: db
      .prepare<[string, string], string>(
        `SELECT c.id FROM collections c JOIN collection_papers cp ON cp.collection_id = c.id
          WHERE c.user_id = ? AND cp.paper_id = ? ORDER BY c.created_at, c.id`,
      )
      .pluck(),
    setShareKey: db.prepare<[string, string]>('UPDATE collections SET share_key_hash = ? WHERE id = ?'),
    revokeShareKey: db.prepare<[string]>('UPDATE collections SET share_key_hash = NULL WHERE id = ? AND share_key_hash IS NOT NULL'),
    byShareKey: db.prepare<[string], string>('SELECT id FROM collections WHERE share_key_hash = ?').pluck(),
    ownAll: db.prepare<[string], OwnPaperRow>('SELECT * FROM own_papers WHERE user_id = ? ORDER BY seq DESC'),
    ownByIds: db.prepare<[string, string], OwnPaperRow>('SELECT * FROM own_papers WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))'),
    byDoi: db.prepare<[string], { id: string; doi: string }>(
      `SELECT id, lower(json_extract(meta, '$.doi')) AS doi FROM papers
        WHERE lower(json_extract(meta, '$.doi')) IN (SELECT value FROM json_each(?))`,
    ),
    // A phrase restricted to the title column: every word in order, so few rows match and none is scored.
    titlePhrase: db.prepare<[string, number], { id: string; title: string }>(
      'SELECT p.id, p.title FROM papers_fts JOIN papers p ON p.seq = papers_fts.rowid WHERE papers_fts MATCH ? LIMIT ?',
    ),
    insertOwn: db.prepare(
      `INSERT INTO own_papers (id, user_id, title, abstract, authors, published, doi, content_hash, model, vec, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteOwn: db.prepare<[string, string]>('DELETE FROM own_papers WHERE user_id = ? AND id = ?'),
    unstarOwn: db.prepare<[string, string]>('DELETE FROM stars WHERE user_id = ? AND paper_id = ?'),
    uncollectOwn: db.prepare<[string, string]>(
      'DELETE FROM collection_papers WHERE paper_id = ? AND collection_id IN (SELECT id FROM collections WHERE user_id = ?)',
    ),
    addStar: db.prepare<[string, string, string]>('INSERT INTO stars (user_id, paper_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
  };

  const importLibrary = db.transaction((w: LibraryImportWrite) => {
    const ownPaperIds: string[] = [];
    for (const p of w.ownPapers) {
      const id = newId('own');
      stmt.insertOwn.run(id, w.userId, p.title, p.abstract, JSON.stringify(p.authors), p.published, p.doi, p.contentHash, p.model, toBytes(p.vector), timestamp());
      ownPaperIds.push(id);
    }
    let added = 0;
    // Oldest first, so the library's first entry ends up the oldest star (stars and collections list newest first).
    for (const paperId of [...w.paperIds, ...ownPaperIds]) {
      const r = w.collectionId ? stmt.add.run(w.collectionId, paperId, timestamp()) : stmt.addStar.run(w.userId, paperId, timestamp());
      added += r.changes;
    }
    return { ownPaperIds, added };
  });

  const deleteOwnPaper = db.transaction((userId: string, id: string) => {
    if (stmt.deleteOwn.run(userId, id).changes === 0) return false;
    stmt.unstarOwn.run(userId, id);
    stmt.uncollectOwn.run(id, userId);
    return true;
  });

  return {
    deleteOwnPaper: async (userId, id) => deleteOwnPaper(userId, id),
    async createCollection(userId, name) {
      const c = { id: newId('c'), userId, name, createdAt: new Date().toISOString(), shared: false, size: 0 };
      return stmt.insertCollection.run(c.id, userId, name, c.createdAt).changes > 0 ? c : undefined;
    },
    collections: async (userId) => stmt.collections.all(userId).map(rowToCollection),
    async collection(id) {
      const r = stmt.collection.get(id);
      return r && rowToCollection(r);
    },
    deleteCollection: async (id) => stmt.deleteCollection.run(id).changes > 0,
    addToCollection: async (id, paperId) => stmt.add.run(id, paperId, timestamp()).changes > 0,
    removeFromCollection: async (id, paperId) => stmt.remove.run(id, paperId).changes > 0,
    collectionPaperIds: async (id) => stmt.paperIds.all(id),
    collectionsWith: async (userId, paperId) => stmt.collectionsWith.all(userId, paperId),
    async createShareKey(id) {
      const key = newShareKey();
      if (stmt.setShareKey.run(hashSecret(key), id).changes === 0) throw new Error(`no collection ${id}`);
      return key;
    },
    revokeShareKey: async (id) => stmt.revokeShareKey.run(id).changes > 0,
    collectionForShareKey: async (key) => stmt.byShareKey.get(hashSecret(key)),
    async ownPapers(userId, ids) {
      if (!ids) return stmt.ownAll.all(userId).map(rowToOwnPaper);
      const byId = new Map(stmt.ownByIds.all(userId, JSON.stringify(ids)).map((r) => [r.id, rowToOwnPaper(r)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
    async paperIdsByDoi(dois) {
      if (dois.length === 0) return new Map();
      return new Map(stmt.byDoi.all(JSON.stringify(dois)).map((r) => [r.doi, r.id]));
    },
    async titleCandidates(titles, limit) {
      return titles.map((t) => {
        const words = titleWords(t);
        return words.length ? stmt.titlePhrase.all(`title : "${words.join(' ')}"`, limit) : [];
      });
    },
    importLibrary: async (w) => importLibrary(w),
  };
}

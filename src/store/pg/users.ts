import crypto from 'node:crypto';
import type pg from 'pg';
import type { FeedbackKind, Star, User, Users } from '../ports.js';
import { hashSecret } from '../users.js';
import { storable } from './papers.js';
import { increasingTimestamps, storableQuery } from './pool.js';

const newSecret = (prefix: string) => `${prefix}_${crypto.randomBytes(24).toString('base64url')}`;

/** Users, credentials (hashes only), stars, feedback and feed keys on PostgreSQL; every call is one statement. */
export function pgUsers(pool: pg.Pool): Users {
  const timestamp = increasingTimestamps();
  const q = storableQuery(pool, storable);
  const ids = async (text: string, values: unknown[]) => (await q(text, values)).rows.map((r) => r.paper_id as string);
  return {
    async create(name) {
      if (!storable(name)) throw new Error('a user name cannot contain U+0000');
      const id = `u_${crypto.randomBytes(8).toString('hex')}`;
      const token = newSecret('pf');
      const createdAt = new Date().toISOString();
      await q('INSERT INTO users (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)', [id, name, hashSecret(token), createdAt]);
      return { user: { id, name, createdAt }, token };
    },
    async get(id): Promise<User | undefined> {
      const r = (await q('SELECT id, name, created_at FROM users WHERE id = $1', [id])).rows[0];
      return r && { id: r.id, name: r.name, createdAt: r.created_at };
    },
    async userForToken(token) {
      return (await q('SELECT id FROM users WHERE token_hash = $1', [hashSecret(token)])).rows[0]?.id;
    },
    async addStar(userId, paperId) {
      const r = await q(
        'INSERT INTO stars (user_id, paper_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, paper_id) DO NOTHING',
        [userId, paperId, timestamp()],
      );
      return (r.rowCount ?? 0) > 0;
    },
    async removeStar(userId, paperId) {
      return ((await q('DELETE FROM stars WHERE user_id = $1 AND paper_id = $2', [userId, paperId])).rowCount ?? 0) > 0;
    },
    async listStars(userId, limit, offset): Promise<Star[]> {
      const { rows } = await q(
        `SELECT paper_id, created_at FROM stars WHERE user_id = $1
          ORDER BY created_at DESC, paper_id COLLATE "C" DESC LIMIT $2 OFFSET $3`,
        [userId, limit, offset],
      );
      return rows.map((r) => ({ paperId: r.paper_id, createdAt: r.created_at }));
    },
    async countStars(userId) {
      return (await q('SELECT count(*) AS n FROM stars WHERE user_id = $1', [userId])).rows[0].n;
    },
    starredIds: (userId) =>
      ids('SELECT paper_id FROM stars WHERE user_id = $1 ORDER BY created_at DESC, paper_id COLLATE "C" DESC', [userId]),
    async addFeedback(userId, paperId, kind: FeedbackKind) {
      const r = await q(
        `INSERT INTO feedback (user_id, paper_id, kind, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, paper_id, kind) DO NOTHING`,
        [userId, paperId, kind, timestamp()],
      );
      return (r.rowCount ?? 0) > 0;
    },
    feedbackIds: (userId, kind) =>
      ids('SELECT paper_id FROM feedback WHERE user_id = $1 AND kind = $2 ORDER BY created_at DESC, paper_id COLLATE "C" DESC', [userId, kind]),
    async createFeedKey(userId) {
      const key = newSecret('pfk');
      const r = await q('UPDATE users SET feed_key_hash = $1 WHERE id = $2', [hashSecret(key), userId]);
      if (r.rowCount === 0) throw new Error(`no user ${userId}`);
      return key;
    },
    async revokeFeedKey(userId) {
      const r = await q('UPDATE users SET feed_key_hash = NULL WHERE id = $1 AND feed_key_hash IS NOT NULL', [userId]);
      return (r.rowCount ?? 0) > 0;
    },
    async userForFeedKey(key) {
      return (await q('SELECT id FROM users WHERE feed_key_hash = $1', [hashSecret(key)])).rows[0]?.id;
    },
  };
}

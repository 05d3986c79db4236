import crypto from 'node:crypto';
import type Database from 'better-sqlite3';

import type { FeedbackKind, Star, User } from './ports.js';

export type { FeedbackKind, Star, User } from './ports.js';

/** sha256 of a secret, hex. Tokens are stored only as hashes; a leaked store leaks no usable token. */
export const hashSecret = (secret: string) => crypto.createHash('sha256').update(secret).digest('hex');
const newSecret = (prefix: string) => `${prefix}_${crypto.randomBytes(24).toString('base64url')}`;

/**
 * Users and their credentials, stars, feedback and feed keys. Stars and feedback name papers by external id, so
 * they survive a paper's delete and re-ingest.
 */
export class UserStore {
  private readonly stmt;
  private lastTimestamp = 0;

  constructor(readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO users (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)'),
      byId: db.prepare<[string], { id: string; name: string; created_at: string }>('SELECT id, name, created_at FROM users WHERE id = ?'),
      byTokenHash: db.prepare<[string], string>('SELECT id FROM users WHERE token_hash = ?').pluck(),
      addStar: db.prepare<[string, string, string]>(
        'INSERT INTO stars (user_id, paper_id, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id, paper_id) DO NOTHING',
      ),
      removeStar: db.prepare<[string, string]>('DELETE FROM stars WHERE user_id = ? AND paper_id = ?'),
      listStars: db.prepare<[string, number, number], Star>(
        `SELECT paper_id AS paperId, created_at AS createdAt FROM stars WHERE user_id = ?
         ORDER BY created_at DESC, paper_id DESC LIMIT ? OFFSET ?`,
      ),
      countStars: db.prepare<[string], number>('SELECT count(*) FROM stars WHERE user_id = ?').pluck(),
      starredIds: db.prepare<[string], string>('SELECT paper_id FROM stars WHERE user_id = ? ORDER BY created_at DESC, paper_id DESC').pluck(),
      addFeedback: db.prepare<[string, string, FeedbackKind, string]>(
        'INSERT INTO feedback (user_id, paper_id, kind, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, paper_id, kind) DO NOTHING',
      ),
      feedbackIds: db.prepare<[string, FeedbackKind], string>(
        'SELECT paper_id FROM feedback WHERE user_id = ? AND kind = ? ORDER BY created_at DESC, paper_id DESC',
      ).pluck(),
      setFeedKey: db.prepare<[string | null, string]>('UPDATE users SET feed_key_hash = ? WHERE id = ?'),
      revokeFeedKey: db.prepare<[string]>('UPDATE users SET feed_key_hash = NULL WHERE id = ? AND feed_key_hash IS NOT NULL'),
      byFeedKeyHash: db.prepare<[string], string>('SELECT id FROM users WHERE feed_key_hash = ?').pluck(),
    };
  }

  /** An ISO timestamp strictly after the previous one, so stars made within one millisecond still sort newest first. */
  private timestamp(): string {
    this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1);
    return new Date(this.lastTimestamp).toISOString();
  }

  /** Creates a user; the returned token is shown once and only its hash is kept. */
  create(name: string): { user: User; token: string } {
    const id = `u_${crypto.randomBytes(8).toString('hex')}`;
    const token = newSecret('pf');
    const createdAt = new Date().toISOString();
    this.stmt.insert.run(id, name, hashSecret(token), createdAt);
    return { user: { id, name, createdAt }, token };
  }

  get(id: string): User | undefined {
    const r = this.stmt.byId.get(id);
    return r && { id: r.id, name: r.name, createdAt: r.created_at };
  }

  /** The user a bearer token belongs to. The lookup is by hash, so timing reveals nothing about the token. */
  userForToken(token: string): string | undefined {
    return this.stmt.byTokenHash.get(hashSecret(token));
  }

  /** Stars a paper; true if it was not starred before (starring again keeps the first date). */
  addStar(userId: string, paperId: string): boolean {
    return this.stmt.addStar.run(userId, paperId, this.timestamp()).changes > 0;
  }

  /** True if the paper was starred. */
  removeStar(userId: string, paperId: string): boolean {
    return this.stmt.removeStar.run(userId, paperId).changes > 0;
  }

  /** A page of a user's stars, newest first. */
  listStars(userId: string, limit: number, offset: number): Star[] {
    return this.stmt.listStars.all(userId, limit, offset);
  }

  countStars(userId: string): number {
    return this.stmt.countStars.get(userId) ?? 0;
  }

  /** Every starred paper id, newest first. */
  starredIds(userId: string): string[] {
    return this.stmt.starredIds.all(userId);
  }

  /** Records feedback on a paper; true if it is new (repeating it changes nothing). */
  addFeedback(userId: string, paperId: string, kind: FeedbackKind): boolean {
    return this.stmt.addFeedback.run(userId, paperId, kind, this.timestamp()).changes > 0;
  }

  /** Paper ids with this kind of feedback, newest first. */
  feedbackIds(userId: string, kind: FeedbackKind): string[] {
    return this.stmt.feedbackIds.all(userId, kind);
  }

  /** A new read-only key for the user's Atom feed, replacing any previous one. Shown once; only its hash is kept. */
  createFeedKey(userId: string): string {
    const key = newSecret('pfk');
    if (this.stmt.setFeedKey.run(hashSecret(key), userId).changes === 0) throw new Error(`no user ${userId}`);
    return key;
  }

  /** True if the user had a feed key. */
  revokeFeedKey(userId: string): boolean {
    return this.stmt.revokeFeedKey.run(userId).changes > 0;
  }

  /** The user whose current feed key this is. */
  userForFeedKey(key: string): string | undefined {
    return this.stmt.byFeedKeyHash.get(hashSecret(key));
  }
}

import crypto from 'node:crypto';
import type Database from 'better-sqlite3';

export interface User {
  id: string;
  name: string;
  createdAt: string;
}

/** sha256 of a secret, hex. Tokens are stored only as hashes; a leaked store leaks no usable token. */
export const hashSecret = (secret: string) => crypto.createHash('sha256').update(secret).digest('hex');
const newSecret = (prefix: string) => `${prefix}_${crypto.randomBytes(24).toString('base64url')}`;

/** Users and their credentials. Stars, feedback and feed keys live beside them in the same tables file. */
export class UserStore {
  private readonly stmt;

  constructor(readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO users (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)'),
      byId: db.prepare<[string], { id: string; name: string; created_at: string }>('SELECT id, name, created_at FROM users WHERE id = ?'),
      byTokenHash: db.prepare<[string], string>('SELECT id FROM users WHERE token_hash = ?').pluck(),
    };
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
}

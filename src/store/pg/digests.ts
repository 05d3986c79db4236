import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import type { DigestToken, OutboxRow, Subscription } from '../ops-types.js';
import type { Digests } from '../ports.js';
import { storable } from './papers.js';
import { inTransaction, storableQuery } from './pool.js';

const SUB_COLUMNS = `id, kind, user_id AS "userId", email, cadence, hour, time_zone AS "timeZone", k, category, status, failures,
  since_seq AS "sinceSeq", created_at AS "createdAt", updated_at AS "updatedAt"`;
const OUTBOX_COLUMNS = `id, subscription_id AS "subscriptionId", period, state, recipient, message_id AS "messageId", message, attempts,
  next_attempt_at AS "nextAttemptAt", claimed_by AS "claimedBy", last_error AS "lastError"`;
const LIVE = "status IN ('pending', 'confirmed', 'paused')";

type RawOutbox = Omit<OutboxRow, 'message'> & { message: string | null };
const outboxRow = (r: RawOutbox): OutboxRow => ({ ...r, message: r.message ? JSON.parse(r.message) : null });
/** SMTP error texts are stored as they came, less what PostgreSQL cannot hold. */
const withoutNul = (s: string) => s.replace(/\u0000/g, '');

/**
 * The Digests port on PostgreSQL, shared by every replica. Planning is once per (subscription, period) by the
 * unique key; a claim is a compare-and-set on the row. Senders hold the 'digests' job lock (pg/jobs.ts) while they
 * send, so a 'sending' row seen by the lock holder was left by a sender that is gone: it is sendable again.
 */
export function pgDigests(pool: pg.Pool): Digests {
  const claimant = `${os.hostname()}/${process.pid}`;
  // Lookups by a caller's id or email: one holding U+0000 (which PostgreSQL cannot store) matches nothing.
  const q = storableQuery(pool, storable);
  const subs = async (where: string, values: unknown[]) => (await q(`SELECT ${SUB_COLUMNS} FROM digest_subscriptions WHERE ${where}`, values)).rows as Subscription[];
  const outbox = async (where: string, values: unknown[]) =>
    (await pool.query<RawOutbox>(`SELECT ${OUTBOX_COLUMNS} FROM digest_outbox WHERE ${where}`, values)).rows.map(outboxRow);
  return {
    async secret() {
      await pool.query("INSERT INTO meta (key, value) VALUES ('digest_secret', $1) ON CONFLICT (key) DO NOTHING", [crypto.randomBytes(32).toString('base64')]);
      const { value } = (await pool.query<{ value: string }>("SELECT value FROM meta WHERE key = 'digest_secret'")).rows[0];
      return Buffer.from(value, 'base64'); // whoever inserted first: every replica signs with the same key
    },
    async createSubscription(s, now) {
      const id = `s_${crypto.randomBytes(8).toString('hex')}`;
      const at = now.toISOString();
      const { rows } = await pool.query<Subscription>(
        `INSERT INTO digest_subscriptions (id, kind, user_id, email, cadence, hour, time_zone, k, category, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $10) RETURNING ${SUB_COLUMNS}`,
        [id, s.kind, s.userId, s.email, s.cadence, s.hour, s.timeZone, s.k, s.category, at],
      );
      return rows[0];
    },
    subscription: async (id) => (await subs('id = $1', [id]))[0],
    subscriptionsOfUser: (userId) => subs("user_id = $1 AND status <> 'ended' ORDER BY created_at, id", [userId]),
    subscriptionsOfEmail: (email) => subs("email = $1 AND status <> 'ended' ORDER BY created_at, id", [email]),
    countLive: async (email) => ((await q(`SELECT count(*)::int AS n FROM digest_subscriptions WHERE email = $1 AND ${LIVE}`, [email])).rows[0]?.n as number | undefined) ?? 0,
    confirmedSubscriptions: () => subs("status = 'confirmed' ORDER BY id", []),
    async setStatus(id, from, to, now) {
      const r = await q('UPDATE digest_subscriptions SET status = $1, failures = 0, updated_at = $2 WHERE id = $3 AND status = ANY($4::text[])', [
        to,
        now.toISOString(),
        id,
        from,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async addToken(hash, purpose, email, subscriptionId, now, expiresAt) {
      await pool.query('INSERT INTO digest_tokens (hash, purpose, email, subscription_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        hash,
        purpose,
        email,
        subscriptionId,
        now.toISOString(),
        expiresAt.toISOString(),
      ]);
    },
    token: async (hash) =>
      (
        await pool.query<DigestToken>('SELECT purpose, email, subscription_id AS "subscriptionId", used_at AS "usedAt" FROM digest_tokens WHERE hash = $1', [
          hash,
        ])
      ).rows[0],
    useToken: async (hash, now) => ((await pool.query('UPDATE digest_tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL', [now.toISOString(), hash])).rowCount ?? 0) > 0,
    tokensMailedSince: async (email, since) =>
      (await pool.query<{ n: number }>('SELECT count(*) AS n FROM digest_tokens WHERE email = $1 AND created_at >= $2', [email, since.toISOString()])).rows[0].n,
    hasOutbox: async (subscriptionId, period) =>
      ((await pool.query('SELECT 1 FROM digest_outbox WHERE subscription_id = $1 AND period = $2', [subscriptionId, period])).rowCount ?? 0) > 0,
    sentPaperIds: async (subscriptionId) =>
      new Set((await pool.query<{ paper_id: string }>('SELECT paper_id FROM digest_items WHERE subscription_id = $1', [subscriptionId])).rows.map((r) => r.paper_id)),
    plan: (p, now) =>
      inTransaction(pool, async (c) => {
        const at = now.toISOString();
        const inserted = await c.query(
          `INSERT INTO digest_outbox (subscription_id, period, state, recipient, message_id, message, next_attempt_at, planned_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (subscription_id, period) DO NOTHING`,
          [p.subscriptionId, p.period, p.message ? 'planned' : 'empty', p.recipient, p.messageId, p.message && JSON.stringify(p.message), at],
        );
        if (inserted.rowCount === 0) return false;
        await c.query(
          'INSERT INTO digest_items (subscription_id, paper_id, period) SELECT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING',
          [p.subscriptionId, p.paperIds, p.period],
        );
        await c.query('UPDATE digest_subscriptions SET since_seq = $1, updated_at = $2 WHERE id = $3', [p.sinceSeq, at, p.subscriptionId]);
        return true;
      }),
    sendable: (now) => outbox("state IN ('planned', 'retry', 'sending') AND next_attempt_at <= $1 ORDER BY id", [now.toISOString()]),
    outboxOf: (subscriptionId) => outbox('subscription_id = $1 ORDER BY id', [subscriptionId]),
    async claim(id, staleClaim, now) {
      const r = await pool.query(
        `UPDATE digest_outbox SET state = 'sending', claimed_by = $1, attempts = attempts + 1, next_attempt_at = $2
          WHERE id = $3 AND (state IN ('planned', 'retry') OR (state = 'sending' AND claimed_by IS NOT DISTINCT FROM $4))`,
        [claimant, now.toISOString(), id, staleClaim],
      );
      return (r.rowCount ?? 0) > 0;
    },
    async outboxCounts() {
      const { rows } = await pool.query<{ state: string; n: number }>('SELECT state, count(*) AS n FROM digest_outbox GROUP BY state');
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
    markSent: (id, now) =>
      inTransaction(pool, async (c) => {
        const { rows } = await c.query<{ sub: string }>(
          "UPDATE digest_outbox SET state = 'sent', sent_at = $1, claimed_by = NULL, last_error = NULL WHERE id = $2 RETURNING subscription_id AS sub",
          [now.toISOString(), id],
        );
        if (rows[0]) await c.query('UPDATE digest_subscriptions SET failures = 0 WHERE id = $1', [rows[0].sub]);
      }),
    async markRetry(id, error, nextAttemptAt) {
      await pool.query("UPDATE digest_outbox SET state = 'retry', claimed_by = NULL, last_error = $1, next_attempt_at = $2 WHERE id = $3", [
        withoutNul(error),
        nextAttemptAt.toISOString(),
        id,
      ]);
    },
    markFailed: (id, error, pauseAfter, now) =>
      inTransaction(pool, async (c) => {
        const { rows } = await c.query<{ sub: string }>(
          "UPDATE digest_outbox SET state = 'failed', claimed_by = NULL, last_error = $1 WHERE id = $2 RETURNING subscription_id AS sub",
          [withoutNul(error), id],
        );
        if (!rows[0]) return false;
        await c.query('UPDATE digest_subscriptions SET failures = failures + 1, updated_at = $1 WHERE id = $2', [now.toISOString(), rows[0].sub]);
        const paused = await c.query("UPDATE digest_subscriptions SET status = 'paused' WHERE id = $1 AND status = 'confirmed' AND failures >= $2", [
          rows[0].sub,
          pauseAfter,
        ]);
        return (paused.rowCount ?? 0) > 0;
      }),
    async markCancelled(id) {
      await pool.query("UPDATE digest_outbox SET state = 'cancelled', claimed_by = NULL WHERE id = $1", [id]);
    },
    pruneMessages: async (before) =>
      (
        await pool.query(
          "UPDATE digest_outbox SET message = NULL WHERE message IS NOT NULL AND state IN ('sent', 'failed', 'cancelled') AND planned_at < $1",
          [before.toISOString()],
        )
      ).rowCount ?? 0,
  };
}

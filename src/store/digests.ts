import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { otherProcessAlive } from '../util/pid.js';
import type { DigestPlan, DigestToken, NewSubscription, OutboxRow, Subscription, SubscriptionStatus } from './ops-types.js';
import type { Digests } from './ports.js';

const SUB_COLUMNS = `id, kind, user_id AS userId, email, cadence, hour, time_zone AS timeZone, k, category, status, failures,
  since_seq AS sinceSeq, created_at AS createdAt, updated_at AS updatedAt`;
const OUTBOX_COLUMNS = `id, subscription_id AS subscriptionId, period, state, recipient, message_id AS messageId, message, attempts,
  next_attempt_at AS nextAttemptAt, claimed_by AS claimedBy, last_error AS lastError`;
/** Subscriptions that still count against an address's limit. */
const LIVE = "status IN ('pending', 'confirmed', 'paused')";

type RawOutbox = Omit<OutboxRow, 'message' | 'claimedBy'> & { message: string | null; claimedBy: number | null };
const outboxRow = (r: RawOutbox | undefined): OutboxRow | undefined =>
  r && { ...r, claimedBy: r.claimedBy === null ? null : String(r.claimedBy), message: r.message ? JSON.parse(r.message) : null };

/**
 * The Digests port on SQLite: subscriptions, link tokens (by hash), the outbox and the papers sent per subscription.
 * Senders on one box tell each other apart by pid: a 'sending' row is taken over only once its process is gone.
 */
export class DigestStore implements Digests {
  constructor(readonly db: Database.Database) {}

  /** The HMAC key for link tokens: made once, kept in the store (a copied store keeps its links working). */
  async secret(): Promise<Buffer> {
    const get = () => this.db.prepare<[], string>("SELECT value FROM meta WHERE key = 'digest_secret'").pluck().get();
    const existing = get();
    if (existing) return Buffer.from(existing, 'base64');
    this.db
      .prepare("INSERT INTO meta (key, value) VALUES ('digest_secret', ?) ON CONFLICT (key) DO NOTHING")
      .run(crypto.randomBytes(32).toString('base64'));
    return Buffer.from(get()!, 'base64'); // another process may have won the race: use what is stored
  }

  async createSubscription(s: NewSubscription, now: Date): Promise<Subscription> {
    const id = `s_${crypto.randomBytes(8).toString('hex')}`;
    const at = now.toISOString();
    this.db
      .prepare(
        `INSERT INTO digest_subscriptions (id, kind, user_id, email, cadence, hour, time_zone, k, category, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(id, s.kind, s.userId, s.email, s.cadence, s.hour, s.timeZone, s.k, s.category, at, at);
    return (await this.subscription(id))!;
  }

  async subscription(id: string): Promise<Subscription | undefined> {
    return this.db.prepare<[string], Subscription>(`SELECT ${SUB_COLUMNS} FROM digest_subscriptions WHERE id = ?`).get(id);
  }

  async subscriptionsOfUser(userId: string): Promise<Subscription[]> {
    return this.db
      .prepare<[string], Subscription>(`SELECT ${SUB_COLUMNS} FROM digest_subscriptions WHERE user_id = ? AND status != 'ended' ORDER BY created_at, id`)
      .all(userId);
  }

  async subscriptionsOfEmail(email: string): Promise<Subscription[]> {
    return this.db
      .prepare<[string], Subscription>(`SELECT ${SUB_COLUMNS} FROM digest_subscriptions WHERE email = ? AND status != 'ended' ORDER BY created_at, id`)
      .all(email);
  }

  async countLive(email: string): Promise<number> {
    return this.db.prepare<[string], number>(`SELECT count(*) FROM digest_subscriptions WHERE email = ? AND ${LIVE}`).pluck().get(email) ?? 0;
  }

  async confirmedSubscriptions(): Promise<Subscription[]> {
    return this.db.prepare<[], Subscription>(`SELECT ${SUB_COLUMNS} FROM digest_subscriptions WHERE status = 'confirmed' ORDER BY id`).all();
  }

  /** Moves a subscription to `to` if it is in one of `from`; true if it changed. */
  async setStatus(id: string, from: SubscriptionStatus[], to: SubscriptionStatus, now: Date): Promise<boolean> {
    const marks = from.map(() => '?').join(', ');
    return (
      this.db
        .prepare(`UPDATE digest_subscriptions SET status = ?, failures = 0, updated_at = ? WHERE id = ? AND status IN (${marks})`)
        .run(to, now.toISOString(), id, ...from).changes > 0
    );
  }

  /** Records a single-use token by its hash (confirmation and manage links), counted for the hourly mail limit. */
  async addToken(hash: string, purpose: string, email: string, subscriptionId: string | null, now: Date, expiresAt: Date): Promise<void> {
    this.db
      .prepare('INSERT INTO digest_tokens (hash, purpose, email, subscription_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(hash, purpose, email, subscriptionId, now.toISOString(), expiresAt.toISOString());
  }

  async token(hash: string): Promise<DigestToken | undefined> {
    return this.db
      .prepare<[string], DigestToken>('SELECT purpose, email, subscription_id AS subscriptionId, used_at AS usedAt FROM digest_tokens WHERE hash = ?')
      .get(hash);
  }

  /** Marks a token used; false if it already was (a link followed twice). */
  async useToken(hash: string, now: Date): Promise<boolean> {
    return this.db.prepare('UPDATE digest_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL').run(now.toISOString(), hash).changes > 0;
  }

  /** Link mails (confirmation, manage) sent to an address since `since`. */
  async tokensMailedSince(email: string, since: Date): Promise<number> {
    return this.db.prepare<[string, string], number>('SELECT count(*) FROM digest_tokens WHERE email = ? AND created_at >= ?').pluck().get(email, since.toISOString()) ?? 0;
  }

  async hasOutbox(subscriptionId: string, period: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM digest_outbox WHERE subscription_id = ? AND period = ?').get(subscriptionId, period) !== undefined;
  }

  /** Paper ids this subscription was ever sent (or has planned), so no digest repeats one. */
  async sentPaperIds(subscriptionId: string): Promise<Set<string>> {
    return new Set(this.db.prepare<[string], string>('SELECT paper_id FROM digest_items WHERE subscription_id = ?').pluck().all(subscriptionId));
  }

  /**
   * Plans one digest: the outbox row, its papers and the subscription's new "since" mark, in one transaction. The
   * UNIQUE (subscription, period) key makes it happen once, whoever else plans at the same time: false if it was
   * planned already. A digest without papers is recorded as 'empty' (planned, never sent).
   */
  async plan(p: DigestPlan, now: Date): Promise<boolean> {
    return this.db.transaction(() => {
      const inserted = this.db
        .prepare(
          `INSERT INTO digest_outbox (subscription_id, period, state, recipient, message_id, message, next_attempt_at, planned_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subscription_id, period) DO NOTHING`,
        )
        .run(p.subscriptionId, p.period, p.message ? 'planned' : 'empty', p.recipient, p.messageId, p.message && JSON.stringify(p.message), now.toISOString(), now.toISOString());
      if (inserted.changes === 0) return false;
      const item = this.db.prepare('INSERT INTO digest_items (subscription_id, paper_id, period) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
      for (const id of p.paperIds) item.run(p.subscriptionId, id, p.period);
      this.db.prepare('UPDATE digest_subscriptions SET since_seq = ?, updated_at = ? WHERE id = ?').run(p.sinceSeq, now.toISOString(), p.subscriptionId);
      return true;
    })();
  }

  /** Rows ready to send at `now` (planned, retry due, or 'sending' rows, which the caller may claim only from a dead process). */
  async sendable(now: Date): Promise<OutboxRow[]> {
    return this.db
      .prepare<[string], RawOutbox>(
        `SELECT ${OUTBOX_COLUMNS} FROM digest_outbox WHERE state IN ('planned', 'retry', 'sending') AND next_attempt_at <= ? ORDER BY id`,
      )
      .all(now.toISOString())
      .map((r) => outboxRow(r)!)
      .filter((r) => r.state !== 'sending' || r.claimedBy === null || !otherProcessAlive(Number(r.claimedBy))); // another sender has it
  }

  async outbox(id: number): Promise<OutboxRow | undefined> {
    return outboxRow(this.db.prepare<[number], RawOutbox>(`SELECT ${OUTBOX_COLUMNS} FROM digest_outbox WHERE id = ?`).get(id));
  }

  async outboxOf(subscriptionId: string): Promise<OutboxRow[]> {
    return this.db
      .prepare<[string], RawOutbox>(`SELECT ${OUTBOX_COLUMNS} FROM digest_outbox WHERE subscription_id = ? ORDER BY id`)
      .all(subscriptionId)
      .map((r) => outboxRow(r)!);
  }

  /**
   * Claims a row for sending (written, and so durable, before the SMTP conversation starts): from planned or retry,
   * or from 'sending' when the claim is `staleClaim` (a process that died mid-send). Returns false if someone else has it.
   */
  async claim(id: number, staleClaim: string | null, now: Date): Promise<boolean> {
    const pid = process.pid;
    return (
      this.db
        .prepare(
          `UPDATE digest_outbox SET state = 'sending', claimed_by = ?, attempts = attempts + 1, next_attempt_at = ?
            WHERE id = ? AND (state IN ('planned', 'retry') OR (state = 'sending' AND claimed_by IS ?))`,
        )
        .run(pid, now.toISOString(), id, staleClaim === null ? null : Number(staleClaim)).changes > 0
    );
  }

  /** Outbox rows by state (planned, sending, retry, sent, failed, empty, cancelled), for /metrics. */
  async outboxCounts(): Promise<Record<string, number>> {
    const rows = this.db.prepare<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM digest_outbox GROUP BY state').all();
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** Records a delivery: the row is sent and the subscription's failure count starts again. */
  async markSent(id: number, now: Date): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare("UPDATE digest_outbox SET state = 'sent', sent_at = ?, claimed_by = NULL, last_error = NULL WHERE id = ?").run(now.toISOString(), id);
      this.db.prepare('UPDATE digest_subscriptions SET failures = 0 WHERE id = (SELECT subscription_id FROM digest_outbox WHERE id = ?)').run(id);
    })();
  }

  async markRetry(id: number, error: string, nextAttemptAt: Date): Promise<void> {
    this.db
      .prepare("UPDATE digest_outbox SET state = 'retry', claimed_by = NULL, last_error = ?, next_attempt_at = ? WHERE id = ?")
      .run(error, nextAttemptAt.toISOString(), id);
  }

  /**
   * Records a permanent failure; after `pauseAfter` failures in a row the subscription is paused (no more digests
   * until it is confirmed again). Returns whether it was paused.
   */
  async markFailed(id: number, error: string, pauseAfter: number, now: Date): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare("UPDATE digest_outbox SET state = 'failed', claimed_by = NULL, last_error = ? WHERE id = ?").run(error, id);
      const subId = this.db.prepare<[number], string>('SELECT subscription_id FROM digest_outbox WHERE id = ?').pluck().get(id)!;
      this.db.prepare('UPDATE digest_subscriptions SET failures = failures + 1, updated_at = ? WHERE id = ?').run(now.toISOString(), subId);
      return (
        this.db
          .prepare("UPDATE digest_subscriptions SET status = 'paused' WHERE id = ? AND status = 'confirmed' AND failures >= ?")
          .run(subId, pauseAfter).changes > 0
      );
    })();
  }

  async markCancelled(id: number): Promise<void> {
    this.db.prepare("UPDATE digest_outbox SET state = 'cancelled', claimed_by = NULL WHERE id = ?").run(id);
  }

  /** Drops the stored bodies of messages sent (or given up on) before `before`: the row stays, the mail is gone. */
  async pruneMessages(before: Date): Promise<number> {
    return this.db
      .prepare("UPDATE digest_outbox SET message = NULL WHERE message IS NOT NULL AND state IN ('sent', 'failed', 'cancelled') AND planned_at < ?")
      .run(before.toISOString()).changes;
  }
}


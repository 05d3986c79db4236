import type { Digests } from '../store/ports.js';
import type { Mailer } from './mailer.js';

/** Waits before retrying a temporary (4xx) failure, by attempt: 5 min, 15 min, 1 h, 3 h, 6 h. */
export const RETRY_BACKOFF_MS = [5, 15, 60, 180, 360].map((m) => m * 60_000);
/** Temporary failures after which a message is given up (marked failed). */
export const MAX_ATTEMPTS = RETRY_BACKOFF_MS.length + 1;
/** Failed digests in a row after which a subscription is paused. */
export const PAUSE_AFTER_FAILURES = 3;

export interface SenderDeps {
  store: Digests;
  mailer: Mailer;
  log: (msg: string) => void;
}

export interface SendSummary {
  sent: number;
  retry: number;
  failed: number;
  cancelled: number;
}

/**
 * Sends the outbox rows that are due, one at a time. Each row is claimed ('sending', by this process) before the
 * SMTP conversation and marked sent, retry or failed after it, so a crash leaves a 'sending' row behind: the next run
 * (after the claiming process is gone) sends it again with the same Message-ID. The only window for a duplicate is a
 * crash between the server's "250 OK" and our write; no digest is ever skipped. Two senders never both claim a row.
 */
export async function sendDue(deps: SenderDeps, now: Date): Promise<SendSummary> {
  const out: SendSummary = { sent: 0, retry: 0, failed: 0, cancelled: 0 };
  for (const row of await deps.store.sendable(now)) {
    const stale = row.state === 'sending' ? row.claimedBy : null;
    const sub = await deps.store.subscription(row.subscriptionId);
    if (!sub || sub.status !== 'confirmed' || !row.message) {
      await deps.store.markCancelled(row.id); // unsubscribed (or paused) after planning
      out.cancelled++;
      continue;
    }
    if (!(await deps.store.claim(row.id, stale, now))) continue;
    const m = row.message;
    const result = await deps.mailer.send({ to: row.recipient, subject: m.subject, text: m.text, html: m.html, messageId: row.messageId, headers: m.headers });
    if (result.ok) {
      await deps.store.markSent(row.id, new Date(Math.max(Date.now(), now.getTime())));
      out.sent++;
    } else if (!result.permanent && row.attempts + 1 < MAX_ATTEMPTS) {
      const wait = RETRY_BACKOFF_MS[Math.min(row.attempts, RETRY_BACKOFF_MS.length - 1)];
      await deps.store.markRetry(row.id, result.error, new Date(now.getTime() + wait));
      deps.log(`digest ${row.subscriptionId} ${row.period}: temporary failure (${result.error}); retry in ${Math.round(wait / 60_000)} min`);
      out.retry++;
    } else {
      const paused = await deps.store.markFailed(row.id, result.error, PAUSE_AFTER_FAILURES, now);
      deps.log(`digest ${row.subscriptionId} ${row.period}: failed (${result.error})${paused ? `; subscription paused after ${PAUSE_AFTER_FAILURES} failures` : ''}`);
      out.failed++;
    }
  }
  return out;
}

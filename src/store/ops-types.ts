/** The records of email digests, as the Digests port (ports.ts) reads and writes them on either engine. */
export type DigestKind = 'feed' | 'trending';
export type Cadence = 'daily' | 'weekly';
export type SubscriptionStatus = 'pending' | 'confirmed' | 'paused' | 'ended';
export type OutboxState = 'planned' | 'sending' | 'retry' | 'sent' | 'failed' | 'empty' | 'cancelled';

export interface Subscription {
  id: string;
  kind: DigestKind;
  userId: string | null;
  email: string;
  cadence: Cadence;
  hour: number;
  timeZone: string;
  k: number;
  category: string | null;
  status: SubscriptionStatus;
  failures: number;
  sinceSeq: number | null;
  createdAt: string;
  updatedAt: string;
}

export type NewSubscription = Pick<Subscription, 'kind' | 'userId' | 'email' | 'cadence' | 'hour' | 'timeZone' | 'k' | 'category'>;

/** The rendered message an outbox row sends, fixed when the row is planned so a resend is the same mail. */
export interface StoredMessage {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

export interface OutboxRow {
  id: number;
  subscriptionId: string;
  period: string;
  state: OutboxState;
  recipient: string;
  messageId: string;
  message: StoredMessage | null;
  attempts: number;
  nextAttemptAt: string;
  /** Who is sending it (state 'sending'): a pid (SQLite) or host/pid (PostgreSQL). */
  claimedBy: string | null;
  lastError: string | null;
}

export interface DigestToken {
  purpose: string;
  email: string;
  subscriptionId: string | null;
  usedAt: string | null;
}

export interface DigestPlan {
  subscriptionId: string;
  period: string;
  recipient: string;
  messageId: string;
  message: StoredMessage | null;
  paperIds: string[];
  sinceSeq: number;
}

/** Where a source stands: what its runs covered, where an unfinished one stopped, and how the last ones went. */
export interface SourceState {
  source: string;
  /** YYYY-MM-DD: the last day a completed scheduled run covered (the next one starts there). */
  harvestedUntil: string | null;
  /** The newest record datestamp (arXiv) or list date (HF) seen: the lag metric counts from it. */
  newestDatestamp: string | null;
  /** Where an unfinished run stopped (source-specific JSON: range, set, resumption token, next day). */
  cursor: unknown;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  runs: number;
  failures: number;
  papersAdded: number;
  papersUpdated: number;
  lastRunAdded: number;
}

/** A source that never ran. */
export const emptySourceState = (source: string): SourceState => ({
  source, harvestedUntil: null, newestDatestamp: null, cursor: null, lastRunAt: null, lastSuccessAt: null,
  lastError: null, lastErrorAt: null, runs: 0, failures: 0, papersAdded: 0, papersUpdated: 0, lastRunAdded: 0,
});

/** A stored cursor, parsed; a damaged one means "start the range again": every write is an idempotent upsert. */
export function parseCursor(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

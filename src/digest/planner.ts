import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { paperUrl } from '../api/schemas.js';
import type { Digests, StoredMessage, Subscription } from '../store/ports.js';
import type { Links } from './links.js';
import { renderDigest, type DigestEntry } from './render.js';
import { dueCheck } from './schedule.js';
import type { DigestPaper, DigestSource } from './source.js';

export interface PlannerDeps {
  store: Digests;
  source: DigestSource;
  links: Links;
  log: (msg: string) => void;
}

export interface PlannedDigest {
  period: string;
  papers: DigestPaper[];
  message: StoredMessage | null;
  messageId: string;
  sinceSeq: number;
}

/** The arXiv (or DOI) page of a paper id, as the API's `url` field gives it. */
const sourceUrl = paperUrl;

/**
 * The papers of a subscription's next digest: the top of the user's feed (or of trending) among papers added since
 * the last digest, never one it was sent before. The feed already leaves out starred and dismissed papers.
 */
export async function digestPapers(deps: PlannerDeps, sub: Subscription): Promise<DigestPaper[]> {
  const sent = await deps.store.sentPaperIds(sub.id);
  // Ask for more than k: some of the top are old news (sent before, or added before the last digest).
  const limit = Math.min(1000, 3 * sub.k + 30 + (sub.kind === 'trending' ? sent.size : 0));
  const candidates = sub.kind === 'feed' && sub.userId ? await deps.source.personal(sub.userId, limit) : await deps.source.trending(sub.category, limit);
  const fresh = (p: DigestPaper) => !sent.has(p.id) && (sub.kind === 'trending' || sub.sinceSeq === null || p.seq > sub.sinceSeq);
  return candidates.filter(fresh).slice(0, sub.k);
}

export function digestMessage(links: Links, sub: Subscription, period: string, papers: DigestPaper[], now: Date): StoredMessage {
  const feed = sub.kind === 'feed';
  const entries: DigestEntry[] = papers.map((p) => ({
    title: p.title,
    authors: p.authors,
    reason: p.reason,
    url: links.paper(p.id),
    sourceUrl: sourceUrl(p.id),
    ...(feed ? { starUrl: links.action('star', sub.id, now, p.id).url, dismissUrl: links.action('dismiss', sub.id, now, p.id).url } : {}),
  }));
  const n = `${papers.length} paper${papers.length === 1 ? '' : 's'}`;
  const scope = sub.category ? ` in ${sub.category}` : '';
  return renderDigest({
    subject: feed ? `paperfeed: ${n} for you (${period})` : `paperfeed trending${scope}: ${n} (${period})`,
    heading: feed ? 'Your paperfeed digest' : `Trending papers${scope}`,
    intro: feed
      ? `${n} picked from your stars for ${period}, new since your last digest. Star a paper or mark it “not interested” to steer the next one.`
      : `The ${n} most popular recent papers${scope} you have not been sent yet (${period}).`,
    entries,
    unsubscribeUrl: links.action('unsubscribe', sub.id, now).url,
    manageUrl: links.action('manage', sub.email, now).url,
    instanceUrl: links.url('/'),
  });
}

/** Computes one subscription's digest for a period (nothing is written: see planDue, and the CLI's --dry-run). */
export async function buildDigest(deps: PlannerDeps, sub: Subscription, period: string, now: Date): Promise<PlannedDigest> {
  const sinceSeq = await deps.source.newestSeq(); // read first: papers arriving meanwhile count as new next time
  const papers = await digestPapers(deps, sub);
  return {
    period,
    papers,
    message: papers.length ? digestMessage(deps.links, sub, period, papers, now) : null,
    messageId: `<digest.${sub.id}.${period}@${deps.links.host}>`,
    sinceSeq,
  };
}

/**
 * Plans every confirmed subscription whose digest is due and not planned yet: one outbox row per (subscription,
 * period), written with its papers in one transaction, so it is planned once even with two planners at work.
 */
export async function planDue(deps: PlannerDeps, now: Date, dueToday: boolean): Promise<{ planned: number; empty: number; errors: number }> {
  const out = { planned: 0, empty: 0, errors: 0 };
  for (const sub of await deps.store.confirmedSubscriptions()) {
    const { period, due } = dueCheck(sub, now, dueToday);
    if (!due || (await deps.store.hasOutbox(sub.id, period))) continue;
    try {
      const d = await buildDigest(deps, sub, period, now);
      const done = await deps.store.plan(
        { subscriptionId: sub.id, period, recipient: sub.email, messageId: d.messageId, message: d.message, paperIds: d.papers.map((p) => p.id), sinceSeq: d.sinceSeq },
        now,
      );
      if (done) out[d.message ? 'planned' : 'empty']++;
    } catch (err) {
      out.errors++;
      deps.log(`digest: planning ${sub.id} failed: ${(err as Error).message}`);
    }
    await yieldToEventLoop(); // a digest is one feed computation: let requests in between
  }
  return out;
}

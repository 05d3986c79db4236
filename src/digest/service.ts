import { ApiProblem } from '../api/problem.js';
import type { Digests, JobLocks, NewSubscription, Subscription } from '../store/ports.js';
import { CONFIRM_LINK_DAYS, Links } from './links.js';
import type { Mailer } from './mailer.js';
import { expiredLink, invalidLink, type LinkPage } from './pages.js';
import { buildDigest, planDue, type PlannedDigest } from './planner.js';
import { dueCheck } from './schedule.js';
import { sendDue, type SendSummary } from './sender.js';
import type { DigestSource } from './source.js';
import { tokenHash, verifyToken } from './tokens.js';

export interface DigestLimits {
  /** Live (pending, confirmed, paused) subscriptions per address. */
  maxPerAddress: number;
  /** Confirmation and manage mails per address per hour. */
  linkMailsPerHour: number;
}

export interface DigestServiceDeps {
  store: Digests;
  /** The 'digests' job runs in one process at a time (with N replicas on PostgreSQL: one replica). */
  jobs: JobLocks;
  source: DigestSource;
  /** null: digests are off (no SMTP_URL); subscribing answers 503. */
  mailer: Mailer | null;
  limits: DigestLimits;
  log: (msg: string) => void;
}

export interface RunSummary extends SendSummary {
  planned: number;
  empty: number;
  errors: number;
  /** Another process was running the digests (nothing was done here). */
  skipped: boolean;
}

const HOUR_MS = 3_600_000;
const describe = (s: Subscription) =>
  s.kind === 'feed' ? `your personal paperfeed digest (${s.cadence}, ${s.k} papers)` : `the ${s.cadence} trending digest${s.category ? ` for ${s.category}` : ''}`;

/**
 * Subscriptions, the links in mails, and the digest run (plan what is due, send the outbox). Every new subscription
 * is pending until its address follows the confirmation link (a POST to it): nothing else is mailed before that.
 */
export class DigestService {
  private publicUrl: string | null = null;
  private links: Promise<Links> | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DigestServiceDeps) {}

  /** Digest messages by outbox state: sent, failed, waiting to retry, … (for /metrics). */
  outboxCounts(): Promise<Record<string, number>> {
    return this.deps.store.outboxCounts();
  }

  get enabled(): boolean {
    return this.deps.mailer !== null;
  }

  /** Absolute links need the public URL, known once the server listens (PUBLIC_URL or the bound address). */
  setPublicUrl(base: string): void {
    this.publicUrl = base;
    this.links = null;
  }

  /** The link maker, with the store's secret (read once). */
  private link(): Promise<Links> {
    const base = this.publicUrl;
    if (base === null) return Promise.reject(new Error('DigestService.setPublicUrl was not called'));
    this.links ??= this.deps.store.secret().then((secret) => new Links(secret, base));
    this.links.catch(() => (this.links = null)); // the store was unavailable: ask again next time
    return this.links;
  }

  private requireMail(): Mailer {
    if (!this.deps.mailer) throw new ApiProblem(503, 'Email digests are off on this server: SMTP_URL is not set');
    return this.deps.mailer;
  }

  /** Counts a link mail against the hourly limit of the address, or refuses (429) before anything is written. */
  private async checkMailQuota(email: string, now: Date): Promise<void> {
    const sent = await this.deps.store.tokensMailedSince(email, new Date(now.getTime() - HOUR_MS));
    if (sent >= this.deps.limits.linkMailsPerHour) {
      throw new ApiProblem(429, `Too many confirmation mails to this address; try again within an hour`, [{ field: 'body.email', message: 'mail limit reached' }], {
        'Retry-After': '3600',
      });
    }
  }

  /** Creates a pending subscription and mails its confirmation link. */
  async subscribe(input: NewSubscription, now = new Date()): Promise<Subscription> {
    const mailer = this.requireMail();
    const { store, limits } = this.deps;
    if ((await store.countLive(input.email)) >= limits.maxPerAddress) {
      throw new ApiProblem(409, `This address already has ${limits.maxPerAddress} subscriptions (the limit); end one first`, [
        { field: 'body.email', message: 'too many subscriptions' },
      ]);
    }
    await this.checkMailQuota(input.email, now);
    const link = await this.link();
    const sub = await store.createSubscription(input, now);
    const { url, token, expires } = link.action('confirm', sub.id, now, undefined, CONFIRM_LINK_DAYS);
    await store.addToken(tokenHash(token), 'confirm', sub.email, sub.id, now, expires);
    const sent = await mailer.send({
      to: sub.email,
      subject: 'Confirm your paperfeed digest',
      text: [
        `Someone (hopefully you) asked for ${describe(sub)} to be sent to ${sub.email}.`,
        '',
        `To confirm, open this link and press the button: ${url}`,
        '',
        'If you did not ask for it, ignore this mail: nothing will be sent.',
        '',
      ].join('\n'),
    });
    if (!sent.ok) {
      this.deps.log(`digest: confirmation mail for ${sub.id} failed: ${sent.error}`);
      throw new ApiProblem(503, 'The confirmation mail could not be sent; try again later');
    }
    return sub;
  }

  /** Mails the address a link to see and end its subscriptions (if it has any); the answer never says which. */
  async requestManageLink(email: string, now = new Date()): Promise<void> {
    const mailer = this.requireMail();
    const { store, limits } = this.deps;
    if ((await store.subscriptionsOfEmail(email)).length === 0) return;
    // Over the hourly limit: silently no mail (a 429 here would tell that the address has digests).
    if ((await store.tokensMailedSince(email, new Date(now.getTime() - HOUR_MS))) >= limits.linkMailsPerHour) return;
    const { url, token, expires } = (await this.link()).action('manage', email, now, undefined, CONFIRM_LINK_DAYS);
    await this.deps.store.addToken(tokenHash(token), 'manage', email, null, now, expires);
    const sent = await mailer.send({ to: email, subject: 'Your paperfeed digests', text: `See and end the digests sent to ${email}: ${url}\n` });
    if (!sent.ok) this.deps.log(`digest: manage mail failed: ${sent.error}`);
  }

  listForUser(userId: string): Promise<Subscription[]> {
    return this.deps.store.subscriptionsOfUser(userId);
  }

  /** Ends a user's subscription; false if it is not theirs (or already ended). */
  async endForUser(userId: string, id: string, now = new Date()): Promise<boolean> {
    const sub = await this.deps.store.subscription(id);
    return !!sub && sub.userId === userId && this.deps.store.setStatus(id, ['pending', 'confirmed', 'paused'], 'ended', now);
  }

  /** A link from a mail: GET shows what it would do (mail scanners fetch links), POST does it. */
  async followLink(token: string, method: 'GET' | 'POST', now = new Date()): Promise<LinkPage> {
    const check = verifyToken((await this.link()).secret, token, now);
    if (!check.ok) return check.reason === 'expired' ? expiredLink() : invalidLink();
    const { purpose, subject, paperId } = check.claims;
    const { store, source } = this.deps;
    const act = method === 'POST';
    if (purpose === 'manage') return this.managePage(subject, now);
    const sub = await store.subscription(subject);
    if (!sub) return invalidLink();

    if (purpose === 'confirm') {
      const hash = tokenHash(token);
      const stored = await store.token(hash);
      if (!stored || stored.purpose !== 'confirm') return invalidLink();
      if (stored.usedAt) return { status: 409, title: 'This link was already used', lines: [`Your subscription is ${sub.status === 'ended' ? 'ended' : 'confirmed'}. Nothing was changed.`] };
      if (sub.status === 'ended') return { status: 409, title: 'This subscription was ended', lines: ['Subscribe again to receive digests.'] };
      if (!act) return { status: 200, title: 'Confirm your subscription', lines: [`Send ${describe(sub)} to ${sub.email}?`], forms: [{ label: 'Yes, send me digests' }] };
      if (!(await store.useToken(hash, now))) return { status: 409, title: 'This link was already used', lines: ['Nothing was changed.'] };
      await store.setStatus(sub.id, ['pending', 'paused'], 'confirmed', now);
      return { status: 200, title: 'Subscription confirmed', lines: [`${sub.email} will receive ${describe(sub)}. Every digest has a link to unsubscribe.`] };
    }

    if (purpose === 'unsubscribe') {
      if (sub.status === 'ended') return { status: 200, title: 'Unsubscribed', lines: [`${sub.email} no longer receives ${describe(sub)}.`] };
      if (!act) return { status: 200, title: 'Unsubscribe?', lines: [`Stop sending ${describe(sub)} to ${sub.email}?`], forms: [{ label: 'Unsubscribe' }] };
      await store.setStatus(sub.id, ['pending', 'confirmed', 'paused'], 'ended', now);
      return { status: 200, title: 'Unsubscribed', lines: [`${sub.email} no longer receives ${describe(sub)}.`] };
    }

    // star / dismiss: a paper of a feed digest, for the subscription's user.
    const title = paperId ? await source.paperTitle(paperId) : undefined;
    if (!paperId || !title || !sub.userId || !(await source.userExists(sub.userId))) return invalidLink();
    const star = purpose === 'star';
    if (!act) {
      return star
        ? { status: 200, title: 'Star this paper?', lines: [`“${title}”`, 'Starred papers shape your feed and digests.'], forms: [{ label: '★ Star it' }] }
        : { status: 200, title: 'Not interested?', lines: [`“${title}”`, 'It leaves your feed, and papers like it rank lower.'], forms: [{ label: 'Not interested' }] };
    }
    if (star) await source.star(sub.userId, paperId);
    else await source.dismiss(sub.userId, paperId);
    return { status: 200, title: star ? 'Starred' : 'Noted: not interested', lines: [`“${title}”`] };
  }

  /** The subscriptions of an address, each with a button to end it. */
  private async managePage(email: string, now: Date): Promise<LinkPage> {
    const subs = await this.deps.store.subscriptionsOfEmail(email);
    const link = await this.link();
    if (subs.length === 0) return { status: 200, title: 'No digests', lines: [`No digests are sent to ${email}.`] };
    return {
      status: 200,
      title: 'Your digests',
      lines: [`Digests sent to ${email}:`],
      forms: subs.map((s) => ({ note: `${describe(s)} — ${s.status}`, label: 'End this digest', action: link.action('unsubscribe', s.id, now).url })),
    };
  }

  /**
   * Plans every digest that is due (with `dueToday`: due before the local day ends) and sends the outbox. Runs one
   * at a time in this process (calls queue up) and holds the 'digests' job lock: with replicas on one PostgreSQL,
   * one runs it and the others skip (`wait`: wait for it instead, as the CLI does). Planning and claiming are safe
   * against another process doing the same regardless.
   */
  runDueDigests(now = new Date(), opts: { dueToday?: boolean; wait?: boolean } = {}): Promise<RunSummary> {
    const run = this.running.then(async (): Promise<RunSummary> => {
      const mailer = this.requireMail();
      const deps = { ...this.deps, links: await this.link() };
      const job = await this.deps.jobs.exclusive(
        'digests',
        async () => {
          const planned = await planDue(deps, now, opts.dueToday ?? false);
          const sent = await sendDue({ store: this.deps.store, mailer, log: this.deps.log }, now);
          await this.deps.store.pruneMessages(new Date(now.getTime() - 30 * 24 * HOUR_MS));
          return { ...planned, ...sent, skipped: false };
        },
        { wait: opts.wait },
      );
      return job.ran ? job.value : { planned: 0, empty: 0, errors: 0, sent: 0, retry: 0, failed: 0, cancelled: 0, skipped: true };
    });
    this.running = run.catch(() => {});
    return run;
  }

  /** Waits for a run in progress, then closes the SMTP transport. */
  async close(): Promise<void> {
    await this.running;
    this.deps.mailer?.close();
  }

  /** The digest a subscription would get now, without writing anything (`npm run digest -- --dry-run`). */
  async preview(sub: Subscription, now = new Date()): Promise<PlannedDigest> {
    const { period } = dueCheck(sub, now, true);
    return buildDigest({ ...this.deps, links: await this.link() }, sub, period, now);
  }
}

// npm run digest -- --send-now                              send every digest due, or due later today (cron, tests)
// npm run digest -- --dry-run --user UID [--out DIR]         write the user's next digest to files instead of mailing it
// --now ISO-TIME: act as if it were then (which day's digests are due; tests pin the clock with it)
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openRuntime, type Runtime } from '../runtime.js';
import type { Subscription } from '../store/ports.js';
import { explainStoreError } from '../store/explain.js';
import { absoluteUrl } from '../api/public-url.js';
import { composeEml } from './mailer.js';
import { createDigests } from './wire.js';

const log = (msg: string) => console.error(`${new Date().toISOString()} ${msg}`);
const USAGE = 'usage: npm run digest -- --send-now | --dry-run --user UID [--out DIR]  [--now ISO-TIME]';

let args;
try {
  args = parseArgs({
    options: { 'send-now': { type: 'boolean' }, 'dry-run': { type: 'boolean' }, user: { type: 'string' }, out: { type: 'string' }, now: { type: 'string' } },
    strict: true,
  }).values;
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (!!args['send-now'] === !!args['dry-run'] || (args['dry-run'] && !args.user)) {
  console.error(USAGE);
  process.exit(2);
}

const now = args.now ? new Date(args.now) : new Date();
if (Number.isNaN(now.getTime())) {
  console.error(`--now: not a date: ${args.now}\n${USAGE}`);
  process.exit(2);
}

let feed: Runtime | undefined;
let code = 0;
try {
  const config = loadConfig();
  feed = await openRuntime(config, log);
  await feed.index.load(feed.embedder.ready);
  const digests = createDigests(feed);
  digests.setPublicUrl(absoluteUrl(config, ''));

  if (args['send-now']) {
    if (!digests.enabled) throw new Error('SMTP_URL is not set: nothing can be sent');
    const r = await digests.runDueDigests(now, { dueToday: true, wait: true }); // after a replica's run, if one is going on
    console.log(`planned ${r.planned} (${r.empty} without new papers), sent ${r.sent}, retry later ${r.retry}, failed ${r.failed}, cancelled ${r.cancelled}, errors ${r.errors}`);
    if (r.errors || r.failed) code = 1;
  } else {
    const uid = args.user!;
    if (!(await feed.engine.users.get(uid))) throw new Error(`no user "${uid}"`);
    // The user's own subscription if there is one, else what a new daily one (10 papers) would send.
    const sub: Subscription = (await feed.engine.digests.subscriptionsOfUser(uid)).find((s) => s.kind === 'feed') ?? {
      id: 'preview',
      kind: 'feed',
      userId: uid,
      email: 'preview@localhost',
      cadence: 'daily',
      hour: 7,
      timeZone: 'UTC',
      k: 10,
      category: null,
      status: 'confirmed',
      failures: 0,
      sinceSeq: null,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    const d = await digests.preview(sub, now);
    if (!d.message) {
      console.log(`no new papers for ${uid}: the ${d.period} digest would not be sent`);
    } else {
      const out = path.resolve(args.out ?? '.');
      fs.mkdirSync(out, { recursive: true });
      const base = path.join(out, `digest-${uid}-${d.period}`);
      const m = d.message;
      const eml = await composeEml(config.MAIL_FROM, { to: sub.email, subject: m.subject, text: m.text, html: m.html, messageId: d.messageId, headers: m.headers });
      fs.writeFileSync(`${base}.eml`, eml);
      fs.writeFileSync(`${base}.html`, m.html);
      fs.writeFileSync(`${base}.txt`, m.text);
      console.log(`${d.papers.length} papers → ${base}.eml (.html, .txt); nothing was sent or recorded`);
    }
  }
} catch (err) {
  console.error(`digest: ${explainStoreError(err)}`);
  code = 1;
} finally {
  await feed?.close();
}
process.exit(code);

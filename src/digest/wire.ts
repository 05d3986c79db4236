// Builds the digest service for a running engine, once, and hangs its check on a croner schedule.
import { Cron } from 'croner';
import type { Config } from '../config.js';
import { apiDeps, type Runtime } from '../runtime.js';
import { feedSource } from './feed-source.js';
import { smtpMailer } from './mailer.js';
import { DigestService } from './service.js';

/**
 * The digest service of a running engine (one per process: the routes, the schedule and the CLI share it). Logs once
 * when mail is off.
 */
export function createDigests(r: Runtime): DigestService {
  const c = r.config;
  if (!c.SMTP_URL) r.log('digests: off (SMTP_URL is not set): no mail is sent and subscribing answers 503');
  return new DigestService({
    store: r.engine.digests,
    jobs: r.engine.jobs,
    source: feedSource(apiDeps(r)),
    mailer: c.SMTP_URL ? smtpMailer(c.SMTP_URL, c.MAIL_FROM) : null,
    limits: { maxPerAddress: c.DIGEST_MAX_PER_ADDRESS, linkMailsPerHour: c.DIGEST_CONFIRM_MAILS_PER_HOUR },
    log: r.log,
  });
}

/**
 * Checks for due digests on DIGEST_SCHEDULE (croner; `protect` skips a tick while the previous run goes on). Returns
 * null when mail is off or the schedule is "off". At merge time this can move onto the shared sources scheduler.
 */
export function startDigestSchedule(service: DigestService, config: Config, log: (msg: string) => void): Cron | null {
  if (!service.enabled || config.DIGEST_SCHEDULE === 'off') return null;
  log(`digests: on, checking for due digests on "${config.DIGEST_SCHEDULE}"`);
  return new Cron(config.DIGEST_SCHEDULE, { protect: true, unref: true }, async () => {
    try {
      const r = await service.runDueDigests(new Date());
      if (r.skipped) return; // another replica runs them
      if (r.planned || r.sent || r.retry || r.failed || r.errors) {
        log(`digests: planned ${r.planned} (${r.empty} empty), sent ${r.sent}, retry ${r.retry}, failed ${r.failed}, errors ${r.errors}`);
      }
    } catch (err) {
      log(`digests: run failed: ${(err as Error).message}`);
    }
  });
}

/**
 * One run of one source: pages are fetched one at a time, each committed through the ingest path (`addPapers`)
 * before its cursor is saved and the next page is requested, so memory holds one page and a crash at any point
 * resumes at the page it was on (re-committing a page is an idempotent upsert).
 */
import type { JobLocks, SourceCheckpoints } from '../../store/ports.js';
import type { PaperInput } from '../../types.js';
import type { DateRange, HarvestPage, Source } from './source.js';
import { isoDay } from './source.js';
import type { WriteSummary } from '../writer.js';

export type { WriteSummary } from '../writer.js';

/** What a run needs from the engine: narrow functions, so the engine behind them can change. */
export interface RunDeps {
  /** The ingest path: upsert (embedding changed text), stored and indexed when it resolves. */
  addPapers: (papers: PaperInput[]) => Promise<WriteSummary>;
  /** Deletes a paper the upstream deleted, only if this source brought it; resolves true when one was deleted. */
  deleteFromSource?: (id: string, source: string) => Promise<boolean>;
  state: SourceCheckpoints;
  /** Each source's run holds its job lock: with replicas on one PostgreSQL, one runs a source at a time. */
  jobs?: JobLocks;
}

/** Another process (a replica, or `npm run sync`) is running this source now. */
export class SourceBusyError extends Error {}

export interface RunReport extends WriteSummary {
  source: string;
  describe: string;
  pages: number;
  deleted: number;
  rejected: { id: string; reason: string }[];
  skipped: number;
  seconds: number;
}

export interface RunOptions {
  /** A backfill: these days instead of "since the last run". */
  range?: DateRange;
  now?: Date;
  signal?: AbortSignal;
  onPage?: (page: HarvestPage, report: RunReport) => void;
  /** Scheduled runs: skipped (SourceBusyError) when a run of the source, by any process, started after this. */
  skipIfRanSince?: Date;
}

/** The `source` value a source's papers carry (what decides who owns a paper's text). */
export const PAPER_SOURCE: Record<string, string> = { arxiv: 'arxiv', hf: 'hf-daily-papers' };

/**
 * Runs a source once, holding its job lock; records progress, success or failure in the store. Throws the run's error
 * after recording it, or SourceBusyError (recording nothing) when another process is running the source.
 */
export async function runSource(source: Source, deps: RunDeps, opts: RunOptions = {}): Promise<RunReport> {
  if (!deps.jobs) return runLocked(source, deps, opts);
  const job = await deps.jobs.exclusive(`source:${source.name}`, () => runLocked(source, deps, opts));
  if (!job.ran) throw new SourceBusyError(`another process is running the ${source.name} sync`);
  return job.value;
}

async function runLocked(source: Source, deps: RunDeps, opts: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const now = opts.now ?? new Date();
  const last = opts.skipIfRanSince && (await deps.state.get(source.name)).lastRunAt;
  if (last && Date.parse(last) > opts.skipIfRanSince!.getTime()) throw new SourceBusyError(`another process ran the ${source.name} sync at ${last}`);
  await deps.state.runStarted(source.name, now);
  const plan = source.plan(await deps.state.get(source.name), { range: opts.range, today: isoDay(now), signal: opts.signal });
  const report: RunReport = {
    source: source.name, describe: plan.describe, pages: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, rejected: [], skipped: 0, seconds: 0,
  };
  try {
    // One page ahead: the next page is fetched and parsed while this one is embedded and committed. Its cursor is
    // saved only after its own commit, so a crash still resumes at the first page not committed.
    const pages = plan.pages[Symbol.asyncIterator]();
    let ahead = pages.next();
    for (;;) {
      const next = await ahead;
      if (next.done) break;
      const page = next.value;
      ahead = pages.next();
      ahead.catch(() => {}); // awaited on the next turn; no unhandled rejection if this page's commit fails first
      const summary = page.papers.length ? await deps.addPapers(page.papers) : { inserted: 0, updated: 0, unchanged: 0 };
      let deleted = 0;
      for (const id of page.deleted) if (await deps.deleteFromSource?.(id, PAPER_SOURCE[source.name] ?? source.name)) deleted++;
      report.pages++;
      report.inserted += summary.inserted;
      report.updated += summary.updated;
      report.unchanged += summary.unchanged;
      report.deleted += deleted;
      report.skipped += page.skipped;
      report.rejected.push(...page.rejected.slice(0, Math.max(0, 1000 - report.rejected.length)));
      await deps.state.pageDone(source.name, { cursor: page.cursor, added: summary.inserted, updated: summary.updated, newest: page.newest });
      opts.onPage?.(page, report);
    }
    await deps.state.runSucceeded(source.name, plan.until);
    report.seconds = (Date.now() - started) / 1000;
    return report;
  } catch (err) {
    await deps.state.runFailed(source.name, (err as Error).message).catch(() => {}); // the store may be what failed
    throw err;
  }
}

/** One line for the log, the same from the server and the CLI. */
export function describeReport(r: RunReport): string {
  return (
    `sync ${r.source}: ${r.describe}: ${r.pages} pages, inserted ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}` +
    (r.deleted ? `, deleted ${r.deleted}` : '') +
    (r.skipped ? `, ${r.skipped} outside the chosen categories` : '') +
    (r.rejected.length ? `, rejected ${r.rejected.length} (first: ${r.rejected[0].id}: ${r.rejected[0].reason})` : '') +
    ` in ${r.seconds.toFixed(1)} s`
  );
}

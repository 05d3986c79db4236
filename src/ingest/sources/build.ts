/** The configured sources, sharing one polite HTTP client (one request in flight per host). */
import { createRequire } from 'node:module';
import type { Runtime } from '../../runtime.js';
import type { JobLocks, SourceCheckpoints } from '../../store/ports.js';
import type { Config } from '../../config.js';
import { ArxivSource } from './arxiv.js';
import type { SourceName } from './config.js';
import { HfDailySource } from './hf-daily.js';
import { PoliteHttp, userAgent, type PoliteHttpOptions } from './polite-http.js';
import type { RunDeps } from './run.js';
import { SourceScheduler } from './scheduler.js';
import type { Source } from './source.js';

const VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

export function buildSources(config: Config, names: readonly SourceName[], extra: Pick<PoliteHttpOptions, 'onRetry'> = {}): Source[] {
  const http = new PoliteHttp({
    userAgent: userAgent(VERSION, config.SYNC_CONTACT),
    timeoutMs: config.SYNC_TIMEOUT_MS,
    attempts: config.SYNC_ATTEMPTS,
    backoffMs: config.SYNC_BACKOFF_MS,
    maxRetryAfterS: config.SYNC_MAX_RETRY_AFTER_S,
    maxBytes: config.SYNC_MAX_RESPONSE_BYTES,
    ...extra,
  });
  return names.map((name) =>
    name === 'arxiv'
      ? new ArxivSource({ http, baseUrl: config.ARXIV_OAI_URL, selection: config.ARXIV_SETS, delayMs: config.ARXIV_DELAY_MS, initialDays: config.SYNC_INITIAL_DAYS })
      : new HfDailySource({ http, baseUrl: config.HF_DAILY_URL, delayMs: config.HF_DELAY_MS, repollDays: config.HF_REPOLL_DAYS, initialDays: config.SYNC_INITIAL_DAYS }),
  );
}

/** The engine functions the sources use (wired in server.ts and the sync CLI). */
export interface SourceEngine {
  addPapers: RunDeps['addPapers'];
  deletePaper: (id: string) => Promise<boolean>;
  /** The `source` of a stored paper (undefined when it is not stored). */
  paperSource: (id: string) => Promise<string | null | undefined>;
  /** Checkpoints and status per source, in the store. */
  state: SourceCheckpoints;
  jobs: JobLocks;
}

export function sourceDeps(engine: SourceEngine): RunDeps {
  return {
    addPapers: engine.addPapers,
    // arXiv reports deleted records rarely (withdrawn papers stay, with a new version); a paper that another source
    // brought, or the user posted, is not ours to delete.
    deleteFromSource: async (id, source) => (await engine.paperSource(id)) === source && (await engine.deletePaper(id)),
    state: engine.state,
    jobs: engine.jobs,
  };
}

/** The server's scheduler over the sources SYNC_SOURCES names; start() it once the index is ready. */
export function createSourceScheduler(config: Config, engine: SourceEngine, log: (msg: string) => void): SourceScheduler {
  return new SourceScheduler(buildSources(config, config.SYNC_SOURCES), sourceDeps(engine), config.SYNC_SCHEDULE, log);
}

/** What the sources need from a running engine (server and sync CLI). */
export function sourceEngineOf(runtime: Pick<Runtime, 'engine' | 'writer'>): SourceEngine {
  return {
    addPapers: (papers) => runtime.writer.addPapers(papers),
    deletePaper: (id) => runtime.writer.deletePaper(id),
    paperSource: async (id) => (await runtime.engine.papers.byIds([id]))[0]?.source,
    state: runtime.engine.sources,
    jobs: runtime.engine.jobs,
  };
}

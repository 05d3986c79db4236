/**
 * Settings of the built-in sources (arXiv OAI-PMH, Hugging Face Daily Papers) and their schedule, merged into
 * src/config.ts's schema. Each is documented in README's configuration table.
 */
import { Cron } from 'croner';
import { z } from 'zod';

export type SyncSchedule = { kind: 'off' } | { kind: 'interval'; seconds: number } | { kind: 'cron'; pattern: string };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "off", an interval ("30m", "6h", "1d"; seconds are for tests), or a cron expression ("0 6 * * *"). */
export function parseSchedule(value: string): SyncSchedule | string {
  const v = value.trim();
  if (/^(off|false|0|no|none)$/i.test(v)) return { kind: 'off' };
  const interval = /^(\d+)\s*([smhd])$/i.exec(v);
  if (interval) {
    const seconds = Number(interval[1]) * UNIT_SECONDS[interval[2].toLowerCase()];
    return seconds >= 1 ? { kind: 'interval', seconds } : 'an interval must be at least 1s';
  }
  try {
    new Cron(v, { paused: true }).stop();
    return { kind: 'cron', pattern: v };
  } catch (err) {
    return `expected "off", an interval such as 6h or 30m, or a cron expression (${(err as Error).message})`;
  }
}

export const SOURCE_NAMES = ['arxiv', 'hf'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

// arXiv archives whose OAI-PMH set lives under "physics:" (https://oaipmh.arxiv.org/oai?verb=ListSets).
const PHYSICS_ARCHIVES = new Set([
  'astro-ph', 'cond-mat', 'gr-qc', 'hep-ex', 'hep-lat', 'hep-ph', 'hep-th', 'math-ph', 'nlin', 'nucl-ex', 'nucl-th',
  'physics', 'quant-ph',
]);

/** What ARXIV_SETS asks for: the OAI sets to list, and the categories to keep (none: every record of the sets). */
export interface ArxivSelection {
  /** OAI-PMH setSpecs, e.g. "cs", "physics:hep-th". */
  sets: string[];
  /** Finer categories (e.g. cs.CL): a record is kept when it lists one of them. Per set; absent = the whole set. */
  categories: Map<string, string[]>;
}

const ARCHIVE_OR_CATEGORY = /^([a-z][a-z-]*)(?:\.([A-Za-z][A-Za-z-]*))?$/;

/** "cs.CL,cs.LG,math" → sets cs (keeping cs.CL and cs.LG) and math (everything). */
export function parseArxivSets(value: string): ArxivSelection | string {
  const sets = new Set<string>();
  const categories = new Map<string, string[]>();
  const whole = new Set<string>();
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = ARCHIVE_OR_CATEGORY.exec(item);
    if (!m) return `"${item}" is not an arXiv archive or category (e.g. cs or cs.CL)`;
    const archive = m[1];
    const set = PHYSICS_ARCHIVES.has(archive) ? `physics:${archive}` : archive;
    sets.add(set);
    if (m[2] === undefined) whole.add(set);
    else categories.set(set, [...(categories.get(set) ?? []), item]);
  }
  if (sets.size === 0) return 'name at least one archive or category, e.g. cs';
  for (const set of whole) categories.delete(set);
  return { sets: [...sets], categories };
}

const withParser = <T>(parse: (v: string) => T | string) =>
  z.string().transform((v, ctx) => {
    const parsed = parse(v);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const httpUrl = z.string().url().refine((u) => /^https?:\/\//i.test(u), 'expected an http(s) URL');

export const SOURCE_CONFIG = {
  /** When the server runs its sources: "off", an interval such as "6h", or a cron expression. */
  SYNC_SCHEDULE: withParser(parseSchedule).default({ kind: 'interval', seconds: 6 * 3600 }),
  /** Which sources the schedule runs. */
  SYNC_SOURCES: withParser((v) => {
    const names = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = names.find((n) => !(SOURCE_NAMES as readonly string[]).includes(n));
    return bad ? `unknown source "${bad}" (known: ${SOURCE_NAMES.join(', ')})` : (names as SourceName[]);
  }).default([...SOURCE_NAMES]),
  /** Base URL of arXiv's OAI-PMH endpoint. */
  ARXIV_OAI_URL: httpUrl.default('https://oaipmh.arxiv.org/oai'),
  /** Comma-separated arXiv archives (OAI sets, e.g. cs) or categories (cs.CL: its set, filtered after fetching). */
  ARXIV_SETS: withParser(parseArxivSets).default(parseArxivSets('cs') as ArxivSelection),
  /** Base URL of Hugging Face's daily_papers API (?date=YYYY-MM-DD is appended). */
  HF_DAILY_URL: httpUrl.default('https://huggingface.co/api/daily_papers'),
  /** HF upvotes keep growing after a paper's day: every run re-reads this many days up to today. */
  HF_REPOLL_DAYS: z.coerce.number().int().min(1).max(60).default(3),
  /** The first run of a source (no checkpoint yet) starts this many days back. */
  SYNC_INITIAL_DAYS: z.coerce.number().int().min(1).max(3650).default(3),
  /** A contact (e-mail or URL) sent in the User-Agent, as arXiv asks of harvesters. */
  SYNC_CONTACT: z.string().max(200).regex(/^[^\r\n]*$/, 'one line').default(''),
  /** Pause between two requests to arXiv (its OAI-PMH guidance) and to Hugging Face, in ms. */
  ARXIV_DELAY_MS: z.coerce.number().int().min(0).default(3000),
  HF_DELAY_MS: z.coerce.number().int().min(0).default(1000),
  /** One request's deadline (connect, headers and body), in ms. */
  SYNC_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  /** Attempts per request on network errors, 5xx and 429, with exponential backoff from SYNC_BACKOFF_MS. */
  SYNC_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  SYNC_BACKOFF_MS: z.coerce.number().int().min(0).default(5000),
  /** Largest Retry-After obeyed, in seconds; a longer one fails the run (the next scheduled run tries again). */
  SYNC_MAX_RETRY_AFTER_S: z.coerce.number().int().min(0).default(600),
  /** Largest response body read, in bytes: a longer one is refused while it streams in, never buffered whole. */
  SYNC_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
};

/**
 * Hugging Face Daily Papers: `daily_papers?date=YYYY-MM-DD`, one day per page. Upvotes keep growing after a paper's
 * day, so every run re-reads the last HF_REPOLL_DAYS days (plus any days missed since the last run).
 */
import { z } from 'zod';
import type { SourceState } from '../../store/ports.js';
import { extrasOf } from '../extras.js';
import { normalizePaper } from '../normalize.js';
import { yieldToLoop } from './oai-xml.js';
import type { PoliteHttp } from './polite-http.js';
import { addDays, type DateRange, type HarvestPage, type Source, type SourceRun } from './source.js';

export interface HfSourceOptions {
  http: PoliteHttp;
  baseUrl: string;
  delayMs: number;
  repollDays: number;
  initialDays: number;
}

/** The parts of a daily_papers entry we read; everything else passes (the API grows fields). */
const Entry = z.looseObject({
  paper: z.looseObject({
    id: z.unknown(),
    title: z.unknown().optional(),
    summary: z.unknown().optional(),
    authors: z.unknown().optional(),
    publishedAt: z.unknown().optional(),
    upvotes: z.unknown().optional(),
    githubRepo: z.unknown().optional(),
    githubStars: z.unknown().optional(),
    projectPage: z.unknown().optional(),
    ai_summary: z.unknown().optional(),
    ai_keywords: z.unknown().optional(),
    submittedOnDailyBy: z.looseObject({ user: z.unknown().optional() }).nullish(),
  }),
  title: z.unknown().optional(),
  summary: z.unknown().optional(),
  thumbnail: z.unknown().optional(),
  numComments: z.unknown().optional(),
  submittedBy: z.looseObject({ name: z.unknown().optional() }).nullish(),
});

interface HfCursor {
  from: string;
  until: string;
  next: string;
}

const isCursor = (c: unknown): c is HfCursor =>
  typeof c === 'object' && c !== null && ['from', 'until', 'next'].every((k) => typeof (c as Record<string, unknown>)[k] === 'string');

/** One API entry → a paper with its HF extras, or why it was rejected. */
export function hfEntryToPaper(raw: unknown, day: string): { ok: true; paper: import('../../types.js').PaperInput } | { ok: false; id: string; reason: string } {
  const entry = Entry.safeParse(raw);
  if (!entry.success) return { ok: false, id: '?', reason: `not a daily_papers entry (${entry.error.issues[0]?.message})` };
  const e = entry.data;
  const p = e.paper;
  const authors = Array.isArray(p.authors) ? p.authors.map((a) => (typeof a === 'object' && a !== null ? (a as { name?: unknown }).name : a)) : undefined;
  const result = normalizePaper({
    id: p.id,
    title: p.title ?? e.title,
    abstract: p.summary ?? e.summary,
    authors: authors?.filter((a) => typeof a === 'string'),
    published: p.publishedAt,
    upvotes: p.upvotes,
    source: 'hf-daily-papers',
  });
  if (!result.ok) return { ok: false, id: typeof p.id === 'string' ? p.id : '?', reason: result.reason };
  const meta = extrasOf(e, day);
  return { ok: true, paper: { ...result.paper, meta } };
}

export class HfDailySource implements Source {
  readonly name = 'hf' as const;

  constructor(private readonly opts: HfSourceOptions) {}

  plan(state: SourceState, { range, today, signal }: { range?: DateRange; today: string; signal?: AbortSignal }): SourceRun {
    const saved = isCursor(state.cursor) ? state.cursor : null;
    const resume = saved && (!range || (range.from === saved.from && range.until === saved.until)) ? saved : null;
    const repollFrom = addDays(today, -(this.opts.repollDays - 1));
    const scheduledFrom = state.harvestedUntil
      ? (state.harvestedUntil < repollFrom ? state.harvestedUntil : repollFrom)
      : addDays(today, -(this.opts.initialDays - 1));
    const from = resume?.from ?? range?.from ?? scheduledFrom;
    const until = resume?.until ?? range?.until ?? today;
    return {
      describe: `daily papers from ${from} until ${until}${resume ? ' (resuming)' : ''}`,
      pages: this.pages({ from, until }, resume?.next ?? from, signal),
      until: range ? null : until,
    };
  }

  private async *pages(range: DateRange, start: string, signal?: AbortSignal): AsyncGenerator<HarvestPage> {
    for (let day = start; day <= range.until; day = addDays(day, 1)) {
      const u = new URL(this.opts.baseUrl);
      u.searchParams.set('date', day);
      const text = await this.opts.http.getText(u.toString(), this.opts.delayMs, signal);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new Error(`${u}: invalid JSON (${(err as Error).message})`);
      }
      if (!Array.isArray(body)) throw new Error(`${u}: expected a JSON array of daily papers`);
      const next = addDays(day, 1);
      const out: HarvestPage = { papers: [], deleted: [], rejected: [], skipped: 0, newest: body.length ? day : null, cursor: next <= range.until ? { ...range, next } : null };
      const seen = new Set<string>();
      for (const [i, raw] of body.entries()) {
        if (i % 20 === 19) await yieldToLoop();
        const r = hfEntryToPaper(raw, day);
        if (!r.ok) out.rejected.push({ id: r.id, reason: r.reason });
        else if (!seen.has(r.paper.id)) {
          seen.add(r.paper.id);
          out.papers.push(r.paper);
        }
      }
      yield out;
    }
  }
}

/** What every built-in source provides: a plan for one run, as pages to commit one after another. */
import type { SourceState } from '../../store/ports.js';
import type { PaperInput } from '../../types.js';
import type { SourceName } from './config.js';

export interface DateRange {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  until: string;
}

export interface HarvestPage {
  papers: PaperInput[];
  /** Ids the upstream reports as deleted. */
  deleted: string[];
  rejected: { id: string; reason: string }[];
  /** Records outside the chosen categories. */
  skipped: number;
  /** Where to resume once this page is committed (null: the run is complete). */
  cursor: unknown;
  /** The newest datestamp among the page's records, if any. */
  newest: string | null;
  /** Records the whole list holds, when the upstream says (for the progress display). */
  total?: number;
}

export interface SourceRun {
  /** "cs from 2026-08-01 until 2026-08-04", for log lines. */
  describe: string;
  pages: AsyncIterable<HarvestPage>;
  /** Scheduled runs: the day the next run starts from, recorded when this one completes. Backfills: null. */
  until: string | null;
}

export interface Source {
  readonly name: SourceName;
  /** Plans a run from the stored state: resumes an unfinished run's cursor, or starts where the last one ended. */
  plan(state: SourceState, opts: { range?: DateRange; today: string; signal?: AbortSignal }): SourceRun;
}

/** YYYY-MM-DD of a Date (UTC). */
export const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

export { addDays } from '../../recommend/window.js';

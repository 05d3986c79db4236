/**
 * arXiv through OAI-PMH: ListRecords per set (ARXIV_SETS), from/until datestamps, resumptionToken paging; finer
 * categories (cs.CL) filter the set's records. The cursor after each page names the range, the set and the token,
 * so a run killed mid-harvest resumes at the page it was on.
 */
import type { SourceState } from '../../store/ports.js';
import type { ArxivSelection } from './config.js';
import { recordToPaper } from './arxiv-record.js';
import { parseListRecords, yieldToLoop } from './oai-xml.js';
import type { PoliteHttp } from './polite-http.js';
import { addDays, type DateRange, type HarvestPage, type Source, type SourceRun } from './source.js';

export interface ArxivSourceOptions {
  http: PoliteHttp;
  baseUrl: string;
  selection: ArxivSelection;
  delayMs: number;
  /** First run (no checkpoint): how many days back to start. */
  initialDays: number;
  metadataPrefix?: 'arXivRaw' | 'arXiv';
}

interface ArxivCursor {
  from: string;
  until: string;
  setIndex: number;
  token: string | null;
}

function isCursor(c: unknown): c is ArxivCursor {
  const x = c as ArxivCursor;
  return typeof x === 'object' && x !== null && typeof x.from === 'string' && typeof x.until === 'string' && Number.isInteger(x.setIndex);
}

export class ArxivSource implements Source {
  readonly name = 'arxiv' as const;

  constructor(private readonly opts: ArxivSourceOptions) {}

  plan(state: SourceState, { range, today, signal }: { range?: DateRange; today: string; signal?: AbortSignal }): SourceRun {
    const sets = this.opts.selection.sets;
    const saved = isCursor(state.cursor) ? state.cursor : null;
    // An unfinished run is resumed when this run asks for the same range (a scheduled run asks for whatever the
    // interrupted one was doing).
    const resume = saved && (!range || (range.from === saved.from && range.until === saved.until)) && saved.setIndex < sets.length ? saved : null;
    const from = resume?.from ?? range?.from ?? state.harvestedUntil ?? addDays(today, -this.opts.initialDays);
    const until = resume?.until ?? range?.until ?? today;
    return {
      describe: `${sets.join('+')} from ${from} until ${until}${resume ? ' (resuming)' : ''}`,
      pages: this.pages({ from, until }, resume, signal),
      until: range ? null : until,
    };
  }

  private url(params: Record<string, string>): string {
    const u = new URL(this.opts.baseUrl);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  }

  private async *pages(range: DateRange, resume: ArxivCursor | null, signal?: AbortSignal): AsyncGenerator<HarvestPage> {
    const { sets, categories } = this.opts.selection;
    for (let setIndex = resume?.setIndex ?? 0; setIndex < sets.length; setIndex++) {
      const set = sets[setIndex];
      const keep = categories.get(set);
      let token = resume && setIndex === resume.setIndex ? resume.token : null;
      let resumedToken = token !== null;
      for (;;) {
        const url = token
          ? this.url({ verb: 'ListRecords', resumptionToken: token })
          : this.url({ verb: 'ListRecords', metadataPrefix: this.opts.metadataPrefix ?? 'arXivRaw', set, from: range.from, until: range.until });
        const page = await parseListRecords(await this.opts.http.getText(url, this.opts.delayMs, signal));
        if (page.error) {
          if (page.error.code === 'noRecordsMatch') break;
          // Tokens expire (arXiv's last about a day): start the set again; the upserts make the repeat harmless.
          if (page.error.code === 'badResumptionToken' && resumedToken) {
            token = null;
            resumedToken = false;
            continue;
          }
          throw new Error(`OAI-PMH error ${page.error.code}: ${page.error.message || '(no message)'} (${url})`);
        }
        resumedToken = false;
        const out: HarvestPage = { papers: [], deleted: [], rejected: [], skipped: 0, cursor: null, newest: null, total: page.completeListSize };
        for (const [i, rec] of page.records.entries()) {
          if (i % 20 === 19) await yieldToLoop(); // validating 1,000 records is ~100 ms of work: keep serving meanwhile
          if (rec.datestamp && (out.newest === null || rec.datestamp > out.newest)) out.newest = rec.datestamp;
          const r = recordToPaper(rec, keep);
          if (r.kind === 'paper') out.papers.push(r.paper);
          else if (r.kind === 'deleted') out.deleted.push(r.id);
          else if (r.kind === 'rejected') out.rejected.push({ id: r.id, reason: r.reason });
          else out.skipped++;
        }
        const last = !page.token && setIndex === sets.length - 1;
        out.cursor = last ? null : page.token ? { ...range, setIndex, token: page.token } : { ...range, setIndex: setIndex + 1, token: null };
        yield out;
        if (!page.token) break;
        token = page.token;
      }
    }
  }
}

/**
 * Loads the evaluation data from ../shared/data: the arXiv CS corpus, Hugging Face Daily Papers (upvotes,
 * submitters, list dates) and the curated topic sets. Corpus papers come first in `papers`, then HF papers that
 * are not in the corpus. A paper in both keeps the corpus text (as ingest does: the first source owns the text)
 * and gains the HF upvotes.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { paperText } from '../embed/text.js';
import { readPaperFile } from '../ingest/parse.js';

export interface EvalPaper {
  id: string;
  title: string;
  /** paperText(title, abstract): what the model embeds and tf-idf reads. */
  text: string;
  /** YYYY-MM-DD or null. Corpus: first listing date. HF-only: arXiv v1 date. */
  published: string | null;
  /** HF upvotes (same-day snapshot), 0 when the paper was never on HF Daily Papers. */
  upvotes: number;
  inCorpus: boolean;
  /** HF Daily Papers list date, when on HF. */
  hfDate: string | null;
  submittedBy: string | null;
  /** arXiv categories (corpus papers; HF-only papers have none). */
  categories: string[];
}

export interface TopicSet {
  setId: string;
  listRepo: string;
  section: string;
  arxivIds: string[];
}

export interface EvalData {
  dataDir: string;
  papers: EvalPaper[];
  index: Map<string, number>;
  corpusCount: number;
  topicSets: TopicSet[];
  files: { path: string; bytes: number }[];
}

export const DATA_FILES = {
  corpus: ['arxiv-cs-daily/papers-2025.jsonl.gz', 'arxiv-cs-daily/papers-2026.jsonl.gz'],
  hf: 'hf-daily-papers/papers.jsonl.gz',
  sets: 'curated-lists/topic_sets.jsonl',
};

export class DataMissingError extends Error {}

/** <project root>/../shared/data, or throws naming every missing file. */
export function resolveDataDir(projectRoot: string, override?: string): string {
  const dir = path.resolve(override ?? path.join(projectRoot, '..', 'shared', 'data'));
  const needed = [...DATA_FILES.corpus, DATA_FILES.hf, DATA_FILES.sets];
  const missing = needed.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new DataMissingError(
      `Evaluation data not found: ${missing.map((f) => path.join(dir, f)).join(', ')} missing. ` +
        'The harness reads the shared real data (arxiv-cs-daily, hf-daily-papers, curated-lists) from ../shared/data ' +
        'next to the project root; pass --data-dir <dir> if it lives elsewhere.',
    );
  }
  return dir;
}

async function* jsonLines(file: string): AsyncGenerator<Record<string, unknown>> {
  const input = fs.createReadStream(file).pipe(zlib.createGunzip());
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) yield JSON.parse(line) as Record<string, unknown>;
}

/**
 * Reads everything. `keepCorpus` (optional) restricts the corpus to a subset of ids, e.g. for --quick; papers
 * named by a topic set or on HF are always kept.
 */
export async function loadEvalData(dataDir: string, keepCorpus?: (id: string) => boolean): Promise<EvalData> {
  const topicSets: TopicSet[] = fs
    .readFileSync(path.join(dataDir, DATA_FILES.sets), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { set_id: string; list_repo: string; section: string; arxiv_ids: string[] })
    .map((s) => ({ setId: s.set_id, listRepo: s.list_repo, section: s.section, arxivIds: s.arxiv_ids }));
  const inSets = new Set(topicSets.flatMap((s) => s.arxivIds));

  const hf = new Map<string, { title: string; abstract: string; published: string | null; upvotes: number; hfDate: string; by: string | null }>();
  for await (const r of jsonLines(path.join(dataDir, DATA_FILES.hf))) {
    const id = String(r.id);
    const prev = hf.get(id);
    const upvotes = Number(r.upvotes ?? 0) || 0;
    if (prev && prev.upvotes >= upvotes) continue;
    hf.set(id, {
      title: String(r.title ?? ''),
      abstract: String(r.abstract ?? ''),
      published: typeof r.published === 'string' ? r.published.slice(0, 10) : null,
      upvotes,
      hfDate: String(r.hf_daily_date),
      by: typeof r.submitted_by === 'string' && r.submitted_by ? r.submitted_by : null,
    });
  }

  const papers: EvalPaper[] = [];
  const index = new Map<string, number>();
  for (const f of DATA_FILES.corpus) {
    for await (const rec of readPaperFile(path.join(dataDir, f))) {
      if (!rec.ok) continue;
      const p = rec.paper;
      if (index.has(p.id)) continue;
      const h = hf.get(p.id);
      if (keepCorpus && !keepCorpus(p.id) && !h && !inSets.has(p.id)) continue;
      index.set(p.id, papers.length);
      papers.push({
        id: p.id,
        title: p.title,
        text: paperText(p.title, p.abstract),
        published: p.published,
        upvotes: h?.upvotes ?? p.upvotes ?? 0,
        inCorpus: true,
        hfDate: h?.hfDate ?? null,
        submittedBy: h?.by ?? null,
        categories: p.categories ?? [],
      });
    }
  }
  const corpusCount = papers.length;
  for (const [id, h] of [...hf.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (index.has(id) || !h.abstract.trim()) continue;
    index.set(id, papers.length);
    papers.push({
      id,
      title: h.title,
      text: paperText(h.title, h.abstract),
      published: h.published,
      upvotes: h.upvotes,
      inCorpus: false,
      hfDate: h.hfDate,
      submittedBy: h.by,
      categories: [],
    });
  }
  const files = [...DATA_FILES.corpus, DATA_FILES.hf, DATA_FILES.sets].map((f) => ({
    path: f,
    bytes: fs.statSync(path.join(dataDir, f)).size,
  }));
  return { dataDir, papers, index, corpusCount, topicSets, files };
}

/**
 * Cuts the seed sample and the test fixtures deterministically from the shared real data
 * (default ../shared/data relative to the project root; pass another directory as argv[2]).
 *
 *   npx tsx scripts/make-seed.ts [dataDir]
 *
 * Writes seed/arxiv-cs-sample.jsonl.gz, seed/hf-daily-sample.jsonl.gz, seed/README.md and
 * test/fixtures/{hf-daily-api.json, arxiv-atom.xml, bad-records.jsonl}. Records are copied verbatim.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DATA = resolve(process.argv[2] ?? join(ROOT, "../shared/data"));
const WINDOW_DAYS = 21;
const ARXIV_COUNT = 300;
const HF_IN_ARXIV = 90; // HF records whose paper is in the arXiv sample (they add upvotes on upsert)
const HF_ONLY = 10; // HF records of papers absent from the arXiv corpus (inserted with no categories)

interface Row<T> { line: string; rec: T }
interface ArxivRec { id: string; title: string; abstract: string; authors: string[]; published: string; categories: string[] }
interface HfRec extends ArxivRec {
  upvotes: number; hf_daily_date: string; hf_submitted_at: string | null; num_comments: number | null;
  ai_keywords?: string[]; submitted_by: string | null; is_author_participating: boolean | null;
}

function readJsonl<T>(file: string): Row<T>[] {
  return gunzipSync(readFileSync(file)).toString("utf8").split("\n")
    .filter((l) => l.trim() !== "").map((line) => ({ line, rec: JSON.parse(line) as T }));
}

/** `count` items spread evenly over `items` (keeps order; deterministic). */
function evenlySpaced<T>(items: T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]);
}

const byDateThenId = (key: (r: ArxivRec & Partial<HfRec>) => string) =>
  (a: Row<ArxivRec>, b: Row<ArxivRec>) => key(a.rec).localeCompare(key(b.rec)) || a.rec.id.localeCompare(b.rec.id);

function writeGzipJsonl(file: string, rows: Row<unknown>[]): void {
  writeFileSync(file, gzipSync(rows.map((r) => r.line).join("\n") + "\n", { level: 9 }));
}

const arxivAll = readJsonl<ArxivRec>(join(DATA, "arxiv-cs-daily/papers-2026.jsonl.gz"));
const hfAll = readJsonl<HfRec>(join(DATA, "hf-daily-papers/papers.jsonl.gz"));

const newest = arxivAll.reduce((m, r) => (r.rec.published > m ? r.rec.published : m), "");
const windowStart = new Date(Date.parse(`${newest}T00:00:00Z`) - (WINDOW_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
const inWindow = (d: string) => d >= windowStart && d <= newest;

const arxivWindow = arxivAll.filter((r) => inWindow(r.rec.published)).sort(byDateThenId((r) => r.published));
const arxivWindowIds = new Set(arxivWindow.map((r) => r.rec.id));
const arxivCorpusIds = new Set(arxivAll.map((r) => r.rec.id));
const hfWindow = hfAll.filter((r) => inWindow(r.rec.hf_daily_date)).sort(byDateThenId((r) => r.hf_daily_date ?? ""));

const hfOverlap = evenlySpaced(hfWindow.filter((r) => arxivWindowIds.has(r.rec.id)), HF_IN_ARXIV);
const hfOnly = evenlySpaced(hfWindow.filter((r) => !arxivCorpusIds.has(r.rec.id)), HF_ONLY);
const hfSample = [...hfOverlap, ...hfOnly].sort(byDateThenId((r) => r.hf_daily_date ?? ""));

const forcedIds = new Set(hfOverlap.map((r) => r.rec.id));
const arxivFill = evenlySpaced(arxivWindow.filter((r) => !forcedIds.has(r.rec.id)), ARXIV_COUNT - forcedIds.size);
const arxivSample = [...arxivWindow.filter((r) => forcedIds.has(r.rec.id)), ...arxivFill]
  .sort(byDateThenId((r) => r.published));

mkdirSync(join(ROOT, "seed"), { recursive: true });
mkdirSync(join(ROOT, "test/fixtures"), { recursive: true });
const arxivOut = join(ROOT, "seed/arxiv-cs-sample.jsonl.gz");
const hfOut = join(ROOT, "seed/hf-daily-sample.jsonl.gz");
writeGzipJsonl(arxivOut, arxivSample);
writeGzipJsonl(hfOut, hfSample);

// ---- test fixtures -------------------------------------------------------------------------

/** Raw https://huggingface.co/api/daily_papers entries rebuilt from the flattened HF records. */
function toHfApiEntry(r: HfRec): unknown {
  return {
    paper: {
      id: r.id,
      authors: r.authors.map((name) => ({ name, hidden: false })),
      // The flattened file keeps only the date of paper.publishedAt.
      publishedAt: `${r.published}T00:00:00.000Z`,
      submittedOnDailyAt: r.hf_submitted_at,
      title: r.title,
      summary: r.abstract,
      upvotes: r.upvotes,
      ai_keywords: r.ai_keywords ?? [],
    },
    publishedAt: r.hf_submitted_at,
    title: r.title,
    summary: r.abstract,
    thumbnail: `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${r.id}.png`,
    numComments: r.num_comments,
    ...(r.submitted_by ? { submittedBy: { name: r.submitted_by, type: "user" } } : {}),
    isAuthorParticipating: r.is_author_participating,
  };
}
const hfFixture = evenlySpaced(hfSample, 5).map((r) => toHfApiEntry(r.rec));
writeFileSync(join(ROOT, "test/fixtures/hf-daily-api.json"), JSON.stringify(hfFixture, null, 2) + "\n");

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
/** The arXiv API wraps title/summary text at ~80 columns with leading spaces; mimic that. */
function wrap(s: string, indent: string): string {
  const lines: string[] = [];
  let current = "";
  for (const word of s.split(" ")) {
    if (current && current.length + word.length + 1 > 78) { lines.push(current); current = word; }
    else current = current ? `${current} ${word}` : word;
  }
  lines.push(current);
  return lines.map(xmlEscape).join(`\n${indent}`);
}
function toAtomEntry(r: ArxivRec): string {
  const stamp = `${r.published}T00:00:00Z`;
  const cats = r.categories.map((c) => `    <category term="${c}" scheme="http://arxiv.org/schemas/atom"/>`);
  return [
    "  <entry>",
    `    <id>http://arxiv.org/abs/${r.id}v1</id>`,
    `    <updated>${stamp}</updated>`,
    `    <published>${stamp}</published>`,
    `    <title>${wrap(r.title, "  ")}</title>`,
    `    <summary>  ${wrap(r.abstract, "  ")}\n</summary>`,
    ...r.authors.map((a) => `    <author>\n      <name>${xmlEscape(a)}</name>\n    </author>`),
    `    <link href="http://arxiv.org/abs/${r.id}v1" rel="alternate" type="text/html"/>`,
    `    <link title="pdf" href="http://arxiv.org/pdf/${r.id}v1" rel="related" type="application/pdf"/>`,
    `    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="${r.categories[0]}" scheme="http://arxiv.org/schemas/atom"/>`,
    ...cats,
    "  </entry>",
  ].join("\n");
}
// Prefer entries whose abstract has characters that must be escaped in XML ("<", "&").
const atomRows = [
  ...arxivSample.filter((r) => /[<&]/.test(r.rec.abstract)).slice(0, 2),
  ...evenlySpaced(arxivSample.filter((r) => !/[<&]/.test(r.rec.abstract)), 3),
];
const idList = atomRows.map((r) => r.rec.id).join(",");
const atom = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Built by scripts/make-seed.ts from real arxiv-cs-daily records in the arXiv API Atom schema.
     Timestamps are the corpus listing date at 00:00Z and versions are v1 (the corpus has neither). -->
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query%3D%26id_list%3D${idList}%26start%3D0%26max_results%3D10" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=&amp;id_list=${idList}&amp;start=0&amp;max_results=10</title>
  <id>http://arxiv.org/api/seed-fixture</id>
  <updated>${newest}T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">${atomRows.length}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">10</opensearch:itemsPerPage>
${atomRows.map((r) => toAtomEntry(r.rec)).join("\n")}
</feed>
`;
writeFileSync(join(ROOT, "test/fixtures/arxiv-atom.xml"), atom);

// Valid real records mixed with broken variants; the line layout is asserted in test/ingest-parse.test.ts.
const [a, b, c, d, e, f, g, h] = evenlySpaced(arxivSample.filter((r) => !forcedIds.has(r.rec.id)), 8).map((r) => r.rec);
const hfDuplicate = hfOverlap[0].rec; // same id as line 12 below, from the HF file
const { abstract: _dropped, ...cWithoutAbstract } = c;
const badLines = [
  JSON.stringify(a), // 1 valid
  "", // 2 blank
  JSON.stringify(b).slice(0, 90), // 3 truncated JSON
  JSON.stringify(cWithoutAbstract), // 4 missing abstract
  JSON.stringify({ ...d, id: `${d.id}-${"x".repeat(200)}` }), // 5 id too long
  JSON.stringify({ ...e, published: "2026-13-01" }), // 6 invalid date
  JSON.stringify({ ...f, authors: f.authors.join(", "), upvotes: "12" }), // 7 wrong types
  "   \t", // 8 whitespace only
  JSON.stringify(g), // 9 valid
  JSON.stringify([g.id]), // 10 not an object
  JSON.stringify({ ...h, title: `${h.title} `.repeat(Math.ceil(2001 / h.title.length)) }), // 11 title too long
  JSON.stringify(arxivSample.find((r) => r.rec.id === hfDuplicate.id)!.rec), // 12 valid
  JSON.stringify(hfDuplicate), // 13 valid, duplicate id of line 12 (adds upvotes)
];
writeFileSync(join(ROOT, "test/fixtures/bad-records.jsonl"), badLines.join("\n") + "\n");

// ---- README ----------------------------------------------------------------------------------

const kb = (file: string) => `${(statSync(file).size / 1024).toFixed(1)} KiB`;
const upvoted = arxivSample.filter((r) => forcedIds.has(r.rec.id)).length;
const readme = `# Seed sample

The service seeds an empty store with these two files (ingested in this order; the ingest upserts by id,
so the HF file adds upvotes to papers already loaded from the arXiv file). They are small real samples
cut from the shared development data; the service does not need \`../shared\` at run time.

| file | records | size | window |
|---|---|---|---|
| \`arxiv-cs-sample.jsonl.gz\` | ${arxivSample.length} | ${kb(arxivOut)} | \`published\` ${windowStart} … ${newest} |
| \`hf-daily-sample.jsonl.gz\` | ${hfSample.length} (${hfOverlap.length} also in the arXiv sample, ${hfOnly.length} not in the arXiv corpus) | ${kb(hfOut)} | \`hf_daily_date\` ${windowStart} … ${newest} |

## How it was cut
\`npx tsx scripts/make-seed.ts\` (deterministic; re-running gives identical files). From the newest
${WINDOW_DAYS} days of \`arxiv-cs-daily/papers-2026.jsonl.gz\` (${arxivWindow.length} papers):
${HF_IN_ARXIV} HF Daily Papers of that window whose id is in the window are taken evenly spaced (sorted by
list date, id), plus ${HF_ONLY} HF papers of the window that are not in the arXiv corpus. The arXiv sample is the
${upvoted} papers of those HF records plus ${arxivFill.length} papers taken evenly spaced over the window (sorted by
\`published\`, id), so categories are represented roughly in proportion. Records are copied verbatim (all fields);
see the field descriptions below. The same script writes the fixtures in \`test/fixtures/\`.

## Sources and licenses (from the shared data READMEs)
- **arxiv-cs-daily** (all 2026 records come from this crawler): github.com/LinFei83/daily-arXiv-ai-enhanced @
  \`feccbdb5f6d0a19e84458a8f791ebd85e190d010\`, Apache-2.0 (repo LICENSE). Only the raw \`data/YYYY-MM-DD.jsonl\`
  files were used. The corpus also merges github.com/ChaoEcho/daily-arXiv-ai-enhanced @
  \`ec09844a3809f8d07e8807624e50573261b77324\` (no license stated), which has no 2026 data.
  \`published\` is the first daily listing date (≈ announcement date), not the v1 timestamp; the first category is
  the crawled listing, not necessarily the primary one.
- **hf-daily-papers**: github.com/2404589803/hf-daily-paper-newsletter-chinese @
  \`7cffe8b89a260c24d18f5c4674d4d2ff2aa09c1d\`, Apache-2.0. Raw \`https://huggingface.co/api/daily_papers\`
  responses. \`upvotes\` is a same-day partial snapshot (07:45 UTC on the list date), not the final count;
  \`published\` is the arXiv v1 date and \`categories\` is empty.
- Titles and abstracts come from arXiv and stay under each paper's own arXiv license.
`;
writeFileSync(join(ROOT, "seed/README.md"), readme);

console.log(`window ${windowStart}…${newest}: arxiv ${arxivSample.length} (${kb(arxivOut)}), hf ${hfSample.length} (${kb(hfOut)})`);

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { normalizeDate, normalizePaper, readPaperFile, type ReadOptions } from "../src/ingest/parse.js";
import type { ParsedRecord } from "../src/types.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const SEED = join(import.meta.dirname, "..", "seed");
const tmp = mkdtempSync(join(tmpdir(), "paperfeed-parse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileCounter = 0;
function tmpFile(content: string | Buffer, name = `f${fileCounter++}.dat`): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string, options?: ReadOptions): Promise<ParsedRecord[]> {
  const out: ParsedRecord[] = [];
  for await (const r of readPaperFile(path, options)) out.push(r);
  return out;
}

const okPapers = (rs: ParsedRecord[]) => rs.flatMap((r) => (r.ok ? [r.paper] : []));
const errors = (rs: ParsedRecord[]) => rs.flatMap((r) => (r.ok ? [] : [{ line: r.line, reason: r.reason }]));
const paper = (extra: Record<string, unknown> = {}) => ({ id: "p1", title: "A title", abstract: "An abstract.", ...extra });

/** The raw lines of a gzipped JSONL seed file, parsed. */
function seedRaw(file: string): Record<string, any>[] {
  return gunzipSync(readFileSync(join(SEED, file))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l));
}

describe("JSONL", () => {
  it("reports bad records with line numbers and reasons while good ones come through", async () => {
    const records = await readAll(join(FIXTURES, "bad-records.jsonl"));
    expect(records.filter((r) => r.ok).map((r) => r.line)).toEqual([1, 9, 12, 13]);
    const errs = errors(records);
    expect(errs.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 10, 11]); // blank lines 2 and 8 skipped silently
    const reason = (line: number) => errs.find((e) => e.line === line)!.reason;
    expect(reason(3)).toMatch(/^invalid JSON/);
    expect(reason(4)).toBe("abstract: missing");
    expect(reason(5)).toBe("id: longer than 200 characters");
    expect(reason(6)).toBe('published: invalid date "2026-13-01"');
    expect(reason(7)).toContain("authors: expected an array, got string");
    expect(reason(7)).toContain("upvotes: expected a number, got string");
    expect(reason(10)).toMatch(/expected a JSON object, got array/);
    expect(reason(11)).toBe("title: longer than 2,000 characters");

    // Duplicate ids are passed through; the later (HF) record carries upvotes for the upsert.
    const [, , dupArxiv, dupHf] = okPapers(records);
    expect(dupHf.id).toBe(dupArxiv.id);
    expect(dupArxiv.upvotes).toBeNull();
    expect(Number.isInteger(dupHf.upvotes)).toBe(true);
    expect(dupHf.categories).toEqual([]);
  });

  it("reads the gzipped arXiv seed unchanged (300 papers, fields as in the source)", async () => {
    const papers = okPapers(await readAll(join(SEED, "arxiv-cs-sample.jsonl.gz")));
    const raw = seedRaw("arxiv-cs-sample.jsonl.gz");
    expect(papers).toHaveLength(300);
    expect(new Set(papers.map((p) => p.id)).size).toBe(300);
    papers.forEach((p, i) => {
      expect(p).toEqual({
        id: raw[i].id, title: raw[i].title, abstract: raw[i].abstract, authors: raw[i].authors,
        published: raw[i].published, categories: raw[i].categories, upvotes: null, source: raw[i].source,
      });
    });
  });

  it("reads the HF seed; most of its ids are in the arXiv seed", async () => {
    const hf = okPapers(await readAll(join(SEED, "hf-daily-sample.jsonl.gz")));
    const arxivIds = new Set(okPapers(await readAll(join(SEED, "arxiv-cs-sample.jsonl.gz"))).map((p) => p.id));
    expect(hf).toHaveLength(100);
    expect(hf.every((p) => Number.isInteger(p.upvotes) && p.upvotes! >= 0)).toBe(true);
    expect(hf.filter((p) => arxivIds.has(p.id))).toHaveLength(90);
  });

  it("detects gzip by magic bytes, not by extension", async () => {
    const text = `${JSON.stringify(paper({ id: "a" }))}\n${JSON.stringify(paper({ id: "b" }))}\n`;
    const gzNamedPlain = tmpFile(gzipSync(text), "looks-plain.jsonl");
    const plainNamedGz = tmpFile(text, "looks-gzipped.jsonl.gz");
    expect(okPapers(await readAll(gzNamedPlain)).map((p) => p.id)).toEqual(["a", "b"]);
    expect(okPapers(await readAll(plainNamedGz)).map((p) => p.id)).toEqual(["a", "b"]);
  });

  it("handles a BOM, CRLF line endings, a missing final newline and an empty file", async () => {
    const file = tmpFile(`\uFEFF${JSON.stringify(paper({ id: "a" }))}\r\n\r\n${JSON.stringify(paper({ id: "b" }))}`);
    const records = await readAll(file);
    expect(records.map((r) => [r.ok, r.line])).toEqual([[true, 1], [true, 3]]);
    expect(await readAll(tmpFile(""))).toEqual([]);
    expect(await readAll(tmpFile(gzipSync("  \n\n")))).toEqual([]);
  });

  it("does not crash on invalid UTF-8 (bytes become U+FFFD) and keeps reading", async () => {
    const bad = Buffer.concat([
      Buffer.from('{"id":"u1","title":"Caf'), Buffer.from([0xe9, 0xff, 0xc3]), Buffer.from('","abstract":"x"}\n'),
      Buffer.from(`${JSON.stringify(paper({ id: "u2" }))}\n`),
    ]);
    const papers = okPapers(await readAll(tmpFile(bad)));
    expect(papers.map((p) => p.id)).toEqual(["u1", "u2"]);
    expect(papers[0].title.startsWith("Caf\uFFFD")).toBe(true);
  });

  it("keeps multi-byte characters intact across stream chunk boundaries", async () => {
    const title = "Équivariant π-nets — 深度学习 🚀";
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify(paper({ id: `m${i}`, title })));
    const papers = okPapers(await readAll(tmpFile(gzipSync(lines.join("\n")))));
    expect(papers).toHaveLength(3000);
    expect(papers.every((p) => p.title === title)).toBe(true);
  });

  it("reports an over-long line without buffering it and continues", async () => {
    const huge = JSON.stringify(paper({ id: "big", abstract: "x".repeat(200_000) }));
    const file = tmpFile(`${huge}\n${JSON.stringify(paper({ id: "small" }))}\n`);
    const records = await readAll(file, { maxLineBytes: 100_000 });
    expect(errors(records)).toEqual([{ line: 1, reason: "line longer than 100000 bytes" }]);
    expect(okPapers(records).map((p) => p.id)).toEqual(["small"]);
  });

  it("fails on a truncated gzip file", async () => {
    const gz = gzipSync(`${JSON.stringify(paper())}\n`.repeat(500));
    await expect(readAll(tmpFile(gz.subarray(0, gz.length - 40)))).rejects.toThrow();
  });

  it("stops cleanly when the consumer breaks early", async () => {
    for await (const r of readPaperFile(join(SEED, "arxiv-cs-sample.jsonl.gz"))) {
      expect(r.ok).toBe(true);
      break;
    }
  });
});

describe("JSON arrays", () => {
  it("reads an array of paper objects; line is the 1-based array index", async () => {
    const file = tmpFile(JSON.stringify([paper({ id: "a" }), paper({ id: "b" }), { id: "c", title: "t" }, paper({ id: "d" })], null, 2));
    const records = await readAll(file);
    expect(records.filter((r) => r.ok).map((r) => r.line)).toEqual([1, 2, 4]);
    expect(errors(records)).toEqual([{ line: 3, reason: "abstract: missing" }]);
  });

  it("reads raw Hugging Face daily_papers API entries", async () => {
    const raw = JSON.parse(readFileSync(join(FIXTURES, "hf-daily-api.json"), "utf8")) as any[];
    const papers = okPapers(await readAll(join(FIXTURES, "hf-daily-api.json")));
    expect(papers).toHaveLength(raw.length);
    papers.forEach((p, i) => {
      expect(p.id).toBe(raw[i].paper.id);
      expect(p.abstract).toBe(raw[i].paper.summary);
      expect(p.authors).toEqual(raw[i].paper.authors.map((a: { name: string }) => a.name));
      expect(p.upvotes).toBe(raw[i].paper.upvotes);
      expect(p.published).toBe(raw[i].paper.publishedAt.slice(0, 10));
      expect(p.source).toBe("hf-daily-papers");
      expect(p.categories).toEqual([]);
    });
  });

  it("throws a clear error for malformed JSON or a file over the size cap", async () => {
    await expect(readAll(tmpFile('[{"id": "a",'))).rejects.toThrow(/invalid JSON array/);
    const big = tmpFile(JSON.stringify([paper(), paper(), paper()]));
    await expect(readAll(big, { maxWholeFileBytes: 100 })).rejects.toThrow(/larger than 100 bytes/);
  });
});

describe("arXiv Atom XML", () => {
  const atomPath = join(FIXTURES, "arxiv-atom.xml");

  it("reads entries: version-less ids, decoded entities, normalised whitespace, categories, line numbers", async () => {
    const records = await readAll(atomPath);
    const corpus = new Map(seedRaw("arxiv-cs-sample.jsonl.gz").map((r) => [r.id, r]));
    const entryLines = readFileSync(atomPath, "utf8").split("\n").flatMap((l, i) => (l.trim() === "<entry>" ? [i + 1] : []));
    expect(records.map((r) => r.line)).toEqual(entryLines);
    const papers = okPapers(records);
    expect(papers).toHaveLength(5);
    for (const p of papers) {
      const src = corpus.get(p.id)!; // the fixture was built from seed records
      expect(src).toBeDefined();
      expect(p.title).toBe(src.title);
      expect(p.abstract).toBe(src.abstract); // wrapped + escaped in XML, identical after parsing
      expect(p.authors).toEqual(src.authors);
      expect(p.categories).toEqual(src.categories);
      expect(p.published).toBe(src.published);
      expect(p.source).toBe("arxiv");
    }
    expect(papers.some((p) => /[<&]/.test(p.abstract))).toBe(true);
  });

  const feed = (entries: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">\n${entries}\n</feed>`;
  const entry = (id: string, body = "<title>T</title><summary>S</summary>") => `<entry><id>${id}</id>${body}</entry>`;

  it("extracts ids from abs URLs (new and old style, any version) and reports API error entries", async () => {
    const xml = feed([
      entry("http://arxiv.org/abs/hep-th/9901001v1"),
      entry("https://arxiv.org/abs/2507.15339v12"),
      entry("http://arxiv.org/abs/2507.15339"),
      entry("http://arxiv.org/api/errors#incorrect_id_format_for_1234", "<title>Error</title><summary>incorrect id format for 1234</summary>"),
    ].join("\n"));
    const records = await readAll(tmpFile(xml));
    expect(okPapers(records).map((p) => p.id)).toEqual(["hep-th/9901001", "2507.15339", "2507.15339"]);
    expect(errors(records)).toEqual([{ line: 6, reason: "arXiv API error entry: incorrect id format for 1234" }]);
  });

  it("keeps arXiv categories (primary first), drops ACM/MSC codes, decodes only once, leaves CDATA alone", async () => {
    const body = `<title>A &amp;lt; B &#x3B1;</title><summary><![CDATA[x &amp; y]]></summary><published>2025-07-21T23:30:00-02:00</published>
      <arxiv:primary_category term="cs.LG"/><category term="cs.CL"/><category term="cs.LG"/><category term="I.2.7"/><category term="68T05"/>`;
    const [p] = okPapers(await readAll(tmpFile(feed(entry("http://arxiv.org/abs/2507.00001v1", body)))));
    expect(p.title).toBe("A &lt; B α");
    expect(p.abstract).toBe("x &amp; y");
    expect(p.categories).toEqual(["cs.LG", "cs.CL"]);
    expect(p.published).toBe("2025-07-22");
  });

  it("rejects documents that declare entities (billion laughs, XXE) without expanding them", async () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title>&lol2;</title><summary>&lol2;</summary></entry></feed>`;
    await expect(readAll(tmpFile(lol))).rejects.toThrow(/ENTITY/);
    await expect(readAll(tmpFile(gzipSync(lol)))).rejects.toThrow(/ENTITY/);
    const xxe = `<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><feed><entry><id>1</id><title>&xxe;</title><summary>s</summary></entry></feed>`;
    await expect(readAll(tmpFile(xxe))).rejects.toThrow(/ENTITY/);
  });

  it("never expands undeclared or HTML entities", async () => {
    const [p] = okPapers(await readAll(tmpFile(feed(entry("x1", "<title>&foo; &nbsp; &amp;</title><summary>s</summary>")))));
    expect(p.title).toBe("&foo; &nbsp; &");
  });

  it("throws for malformed XML or a non-Atom root", async () => {
    await expect(readAll(tmpFile("<feed><entry></feed>"))).rejects.toThrow(/invalid XML/);
    await expect(readAll(tmpFile("<rss><channel/></rss>"))).rejects.toThrow(/not an Atom <feed>/);
  });
});

describe("normalizeDate", () => {
  it.each([
    ["2025", "2025-01-01"],
    ["2025-07", "2025-07-01"],
    ["2025-07-21", "2025-07-21"],
    ["2024-02-29", "2024-02-29"],
    ["2025-07-21T17:59:59Z", "2025-07-21"],
    ["2025-07-21T12:00:00.123Z", "2025-07-21"],
    ["2025-07-21T23:30:00-02:00", "2025-07-22"],
    ["2025-07-21T00:30:00+01:00", "2025-07-20"],
    ["2025-07-21T10:00", "2025-07-21"],
    [" 2025-07-21 ", "2025-07-21"],
  ])("%s → %s", (input, expected) => expect(normalizeDate(input)).toBe(expected));

  it.each(["2025-13-01", "2025-00-10", "2025-02-29", "2025-04-31", "2025-07-21T25:00:00Z", "21/07/2025", "July 2025", "2025-7-1", "20250721"])(
    "rejects %s",
    (input) => expect(normalizeDate(input)).toBeNull(),
  );

  it("is applied by normalizePaper, with the field named in the reason", () => {
    expect(normalizePaper(paper({ published: "2025-07" }))).toMatchObject({ ok: true, paper: { published: "2025-07-01" } });
    expect(normalizePaper(paper({ published: null }))).toMatchObject({ ok: true, paper: { published: null } });
    expect(normalizePaper(paper({ published: "2025-02-30" }))).toEqual({ ok: false, reason: 'published: invalid date "2025-02-30"' });
    expect(normalizePaper(paper({ published: 2025 }))).toEqual({ ok: false, reason: "published: expected a date string, got number" });
  });
});

describe("normalizePaper", () => {
  it("treats ids as opaque strings: DOIs, numeric ids and versioned ids are kept, only trimmed", () => {
    for (const id of ["10.1145/3292500.3330701", "123456789", "2507.15339v2", "hep-th/9901001", "x".repeat(200)]) {
      expect(normalizePaper(paper({ id: `  ${id}\t` }))).toMatchObject({ ok: true, paper: { id } });
    }
    expect(normalizePaper(paper({ id: 123456789 }))).toEqual({ ok: false, reason: "id: expected a string, got number" });
    expect(normalizePaper(paper({ id: "a\u0000b" }))).toEqual({ ok: false, reason: "id: contains control characters" });
    expect(normalizePaper(paper({ categories: ["cs\u0000LG"], source: "x\u0000" }))).toMatchObject({ ok: true, paper: { categories: ["cs LG"], source: "x" } });
    expect(normalizePaper(paper({ id: "   " }))).toEqual({ ok: false, reason: "id: empty" });
    expect(normalizePaper(paper({ id: "x".repeat(201) }))).toEqual({ ok: false, reason: "id: longer than 200 characters" });
  });

  it("normalises text, authors, categories, upvotes and source", () => {
    const result = normalizePaper(
      { id: "p", title: "  A\n  multi-line\ttitle ", abstract: "One.\r\n\r\n  Two.", authors: ["Ada  Lovelace", { name: " Alan Turing " }, " "],
        categories: ["cs.CL", "cs.AI", "cs.CL", ""], upvotes: 0 },
      { source: "upload" },
    );
    expect(result).toEqual({
      ok: true,
      paper: { id: "p", title: "A multi-line title", abstract: "One. Two.", authors: ["Ada Lovelace", "Alan Turing"],
        published: null, categories: ["cs.CL", "cs.AI"], upvotes: 0, source: "upload" },
    });
    expect(normalizePaper(paper({ source: "github:x/y" }), { source: "upload" })).toMatchObject({ paper: { source: "github:x/y", upvotes: null } });
  });

  it("rejects wrong types and out-of-range values with field-named reasons", () => {
    const reason = (extra: Record<string, unknown>) => {
      const r = normalizePaper(paper(extra));
      return r.ok ? "ok" : r.reason;
    };
    expect(reason({ upvotes: -1 })).toBe("upvotes: negative");
    expect(reason({ upvotes: 2.5 })).toBe("upvotes: not an integer");
    expect(reason({ categories: "cs.CL" })).toBe("categories: expected an array, got string");
    expect(reason({ authors: [42] })).toMatch(/^authors\.0: /);
    expect(reason({ title: "" })).toBe("title: empty");
    expect(reason({ abstract: "a".repeat(100_001) })).toBe("abstract: longer than 100,000 characters");
    expect(reason({ abstract: "a".repeat(100_000) })).toBe("ok");
    expect(normalizePaper("not an object")).toEqual({ ok: false, reason: "record: expected a JSON object, got string" });
  });
});

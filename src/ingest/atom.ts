/**
 * arXiv API Atom responses (`<feed><entry>…`) → flat raw records for normalizePaper.
 * Entity expansion is never performed by the XML parser (billion-laughs); documents that declare
 * entities are refused, and only the five predefined XML entities plus numeric character
 * references are decoded, in a single pass so that "&amp;lt;" stays "&lt;".
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";

const CDATA = "__cdata";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true, // arxiv:primary_category → primary_category
  processEntities: false,
  htmlEntities: false,
  cdataPropName: CDATA, // keep CDATA apart so it is not entity-decoded
  parseTagValue: false, // ids like "2507.15339" must stay strings
  parseAttributeValue: false,
  isArray: (name) => name === "entry" || name === "author" || name === "category",
});

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function decodeXmlEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-f]{1,6});/gi, (match, name: string) => {
    if (name[0] !== "#") return PREDEFINED[name.toLowerCase()] ?? match;
    const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}

type XmlNode = string | Record<string, unknown> | undefined;

/** Text content of an element: undefined when the element is absent, "" when it is empty. */
function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === "string") return decodeXmlEntities(node);
  if (typeof node === "object" && !Array.isArray(node)) {
    const n = node as Record<string, unknown>;
    const plain = typeof n["#text"] === "string" ? decodeXmlEntities(n["#text"]) : "";
    const cdata = typeof n[CDATA] === "string" ? n[CDATA] : "";
    return plain + cdata;
  }
  return String(node);
}

function attr(node: unknown, name: string): string | undefined {
  if (typeof node !== "object" || node === null) return undefined;
  const v = (node as Record<string, unknown>)[`@_${name}`];
  return typeof v === "string" ? decodeXmlEntities(v) : undefined;
}

const ABS_URL = /^https?:\/\/(?:export\.)?arxiv\.org\/abs\/(.+?)(?:v\d+)?$/i;
// arXiv categories ("cs.CL", "hep-th", "cond-mat.mes-hall"); ACM ("I.2.7") and MSC ("68T05") codes are dropped,
// matching the arxiv-cs-daily corpus.
const ARXIV_CATEGORY = /^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$/;

/** "http://arxiv.org/abs/2507.15339v2" → "2507.15339", ".../abs/hep-th/9901001v1" → "hep-th/9901001". */
export function arxivIdFromAtomId(atomId: string): string {
  const trimmed = atomId.trim();
  return ABS_URL.exec(trimmed)?.[1] ?? trimmed;
}

export type AtomEntry = { raw: Record<string, unknown> } | { apiError: string };

/** One parsed <entry> → the flat shape normalizePaper validates (or the arXiv API's error message). */
export function atomEntryToRaw(entry: Record<string, unknown>): AtomEntry {
  const atomId = text(entry.id);
  // The arXiv API reports bad queries as an entry with id http://arxiv.org/api/errors#…
  if (atomId !== undefined && /arxiv\.org\/api\/errors/i.test(atomId)) {
    return { apiError: (text(entry.summary) ?? atomId).trim() };
  }
  const authors = Array.isArray(entry.author) ? entry.author.map((a) => text((a as Record<string, unknown>)?.name) ?? "") : [];
  const terms = [attr(entry.primary_category, "term"), ...(Array.isArray(entry.category) ? entry.category : []).map((c) => attr(c, "term"))];
  return {
    raw: {
      id: atomId === undefined ? undefined : arxivIdFromAtomId(atomId),
      title: text(entry.title),
      abstract: text(entry.summary),
      authors,
      published: text(entry.published) ?? text(entry.updated),
      categories: terms.filter((t): t is string => t !== undefined && ARXIV_CATEGORY.test(t.trim())),
      source: "arxiv",
      // arXiv's own elements (arxiv:comment, arxiv:journal_ref, arxiv:doi): kept as the paper's extras.
      comments: text(entry.comment)?.trim(),
      journal_ref: text(entry.journal_ref)?.trim(),
      doi: text(entry.doi)?.trim(),
    },
  };
}

/**
 * Parses a whole Atom document. Returns the entries with the 1-based source line of each <entry>
 * start tag (falls back to the entry's 1-based index if the tags cannot be located unambiguously).
 */
export function parseAtomFeed(xml: string): { entry: Record<string, unknown>; line: number }[] {
  if (/<!ENTITY/i.test(xml)) {
    throw new Error("XML declares entities (<!ENTITY> in a DOCTYPE); refusing to process it (entity expansion attack)");
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`invalid XML at line ${valid.err.line}: ${valid.err.msg}`);
  const doc = parser.parse(xml) as Record<string, XmlNode>;
  const feed = doc.feed;
  if (feed === undefined) throw new Error("XML root is not an Atom <feed> element");
  const entries = typeof feed === "object" && Array.isArray(feed.entry) ? (feed.entry as Record<string, unknown>[]) : [];
  const lines = entryStartLines(xml);
  return entries.map((entry, i) => ({
    entry: typeof entry === "object" && entry !== null ? entry : {},
    line: lines.length === entries.length ? lines[i] : i + 1,
  }));
}

function entryStartLines(xml: string): number[] {
  const lines: number[] = [];
  const tag = /<(?:[A-Za-z_][\w.-]*:)?entry[\s>/]/g;
  let line = 1;
  let pos = 0;
  for (let m = tag.exec(xml); m !== null; m = tag.exec(xml)) {
    for (let nl = xml.indexOf("\n", pos); nl !== -1 && nl < m.index; nl = xml.indexOf("\n", nl + 1)) line++;
    pos = m.index;
    lines.push(line);
  }
  return lines;
}

/**
 * The single validation point for paper records, shared by the file readers (parse.ts)
 * and the HTTP API (POST /v1/papers). Accepts the flat schema used by the arxiv-cs-daily and
 * hf-daily-papers files (and the API), the raw Hugging Face daily_papers API entry
 * (`{paper:{id,title,summary,...}}`), and flattened arXiv Atom entries (see atomEntryToRaw in parse.ts).
 */
import { z } from "zod";
import type { PaperInput } from "../types.js";
import { extrasOf } from "./extras.js";

export const MAX_ID_LENGTH = 200;
export const MAX_TITLE_LENGTH = 2_000;
export const MAX_ABSTRACT_LENGTH = 100_000;
/** The longest real author lists (particle physics) have ~3,000 names; a record with more is refused, not cut. */
export const MAX_AUTHORS = 5_000;
export const MAX_AUTHOR_LENGTH = 500;
export const MAX_CATEGORIES = 100;

export type NormalizeResult = { ok: true; paper: PaperInput } | { ok: false; reason: string };

// C0/C1 control characters (includes tab/newline: an id never legitimately contains them).
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// Whitespace runs plus stray control characters collapse to one space.
const WHITESPACE_RUN = /[\s\u0000-\u001f\u007f-\u009f]+/g;

export function collapseWhitespace(s: string): string {
  return s.replace(WHITESPACE_RUN, " ").trim();
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/i;

/**
 * YYYY → YYYY-01-01, YYYY-MM → YYYY-MM-01, YYYY-MM-DD as is, ISO timestamps → their UTC date
 * (a timestamp without zone is taken as UTC). Returns null for anything invalid, e.g. 2025-13-01
 * or 2025-02-30 (which Date.parse would silently roll over to March).
 */
export function normalizeDate(input: string): string | null {
  const m = DATE_RE.exec(input.trim());
  if (!m) return null;
  const [, y, mo = "01", d = "01", hh, mi, ss = "00", zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (hh === undefined) return `${y}-${mo}-${d}`;
  if (Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) return null;
  if (!zone || zone.toUpperCase() === "Z") return `${y}-${mo}-${d}`;
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const offH = Number(digits.slice(0, 2)), offM = Number(digits.slice(2));
  if (offH > 23 || offM > 59) return null;
  const utcMs =
    Date.UTC(year, month - 1, day, Number(hh), Number(mi), Number(ss)) - sign * (offH * 60 + offM) * 60_000;
  return new Date(utcMs).toISOString().slice(0, 10);
}

const typeError = (what: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? "missing" : `expected ${what}, got ${describe(iss.input)}`;

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

const textField = (max: number) =>
  z
    .string({ error: typeError("a string") })
    .transform(collapseWhitespace)
    .refine((s) => s.length > 0, "empty")
    .refine((s) => s.length <= max, `longer than ${max.toLocaleString("en-US")} characters`);

const authorSchema = z.union([z.string(), z.object({ name: z.string() })], {
  error: "expected a string or {name: string}",
});

const paperSchema = z.object({
  id: z
    .string({ error: typeError("a string") })
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, "empty")
    .refine((s) => s.length <= MAX_ID_LENGTH, `longer than ${MAX_ID_LENGTH} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), "contains control characters"),
  title: textField(MAX_TITLE_LENGTH),
  abstract: textField(MAX_ABSTRACT_LENGTH),
  authors: z
    .array(authorSchema, { error: typeError("an array") })
    .max(MAX_AUTHORS, `more than ${MAX_AUTHORS.toLocaleString("en-US")} authors`)
    .nullish()
    .transform((list) =>
      (list ?? []).map((a) => collapseWhitespace(typeof a === "string" ? a : a.name)).filter((a) => a.length > 0),
    )
    .refine((list) => list.every((a) => a.length <= MAX_AUTHOR_LENGTH), `an author name longer than ${MAX_AUTHOR_LENGTH} characters`),
  published: z
    .string({ error: typeError("a date string") })
    .nullish()
    .transform((s, ctx) => {
      if (s == null || s.trim() === "") return null;
      const date = normalizeDate(s);
      if (date === null) {
        ctx.addIssue({ code: "custom", message: `invalid date ${JSON.stringify(s.slice(0, 40))}` });
        return z.NEVER;
      }
      return date;
    }),
  categories: z
    .array(z.string({ error: typeError("a string") }), { error: typeError("an array") })
    .max(MAX_CATEGORIES, `more than ${MAX_CATEGORIES} categories`)
    .nullish()
    // Control characters become spaces, as in every other text field (PostgreSQL cannot store U+0000 at all).
    .transform((list) => [...new Set((list ?? []).map(collapseWhitespace).filter((c) => c.length > 0))]),
  upvotes: z
    .number({ error: typeError("a number") })
    .int("not an integer")
    .nonnegative("negative")
    .nullish()
    .transform((n) => n ?? null),
  source: z
    .string({ error: typeError("a string") })
    .nullish()
    .transform((s) => (s == null || collapseWhitespace(s) === "" ? null : collapseWhitespace(s))),
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Maps the accepted input shapes onto the flat schema's field names; validation happens afterwards. */
function toFlatShape(raw: Record<string, unknown>, defaultSource: string | undefined): Record<string, unknown> {
  if (isObject(raw.paper)) {
    // Raw HF daily_papers API entry: the paper's own fields win over the entry-level copies.
    const p = raw.paper;
    const authors = Array.isArray(p.authors) ? p.authors : undefined;
    return {
      id: p.id,
      title: p.title ?? raw.title,
      abstract: p.summary ?? p.abstract ?? raw.summary,
      authors,
      published: p.publishedAt ?? p.published,
      categories: undefined,
      upvotes: p.upvotes,
      source: "hf-daily-papers",
    };
  }
  return {
    ...raw,
    // The arXiv API and HF call the abstract "summary".
    abstract: raw.abstract !== undefined ? raw.abstract : raw.summary,
    source: raw.source ?? defaultSource,
  };
}

export function normalizePaper(raw: unknown, defaults?: { source?: string }): NormalizeResult {
  if (!isObject(raw)) return { ok: false, reason: `record: expected a JSON object, got ${describe(raw)}` };
  const result = paperSchema.safeParse(toFlatShape(raw, defaults?.source));
  if (!result.success) {
    const reason = result.error.issues
      .map((iss) => `${iss.path.length ? iss.path.join(".") : "record"}: ${iss.message}`)
      .join("; ");
    return { ok: false, reason };
  }
  // Source extras (HF submitter, GitHub, comments; arXiv DOI, journal-ref, …) when the record has any.
  const meta = extrasOf(raw);
  return { ok: true, paper: Object.keys(meta).length ? { ...result.data, meta } : result.data };
}

import type pg from 'pg';

/** How long the document frequencies are reused before they are read again (ANALYZE changes them slowly). */
export const TERM_STATS_TTL_MS = 10 * 60_000;
/** Query words whose stemmed form is remembered (stemming is PostgreSQL's: one round trip per new word). */
const LEXEME_CACHE_SIZE = 10_000;

export interface TermStats {
  /** Each word's lexemes as PostgreSQL's english configuration makes them (none for a stop word), in order. */
  lexemes(words: string[]): Promise<string[]>;
  /** idf by lexeme: bm25's ln(1 + (N − n + 0.5) / (n + 0.5)); 1 for every lexeme while no statistics exist. */
  idf(): Promise<(lexeme: string) => number>;
  /** The idf of a word in this share of the papers (0 while no statistics exist: every word counts as rare). */
  idfOfShare(share: number): number;
}

interface Snapshot {
  at: number;
  papers: number;
  share: Map<string, number>;
  /** Below the least common word ANALYZE listed: what an unlisted word is taken to have. */
  unlisted: number;
}

/**
 * Document frequencies of the words in paper_search.doc, from the statistics ANALYZE (and autovacuum) keeps on the
 * column: its most common elements and the share of rows holding each (migration 4 asks for 10,000 of them, every
 * word in more than ~0.1% of the papers). Words not listed are rarer than the least common listed one. Read once
 * and then every TERM_STATS_TTL_MS in the background, so a query never waits for it after the first.
 */
export function pgTermStats(pool: pg.Pool): TermStats {
  let snapshot: Snapshot | null = null;
  let loading: Promise<void> | null = null;
  const lexemeCache = new Map<string, string[]>();
  const load = () =>
    (loading ??= (async () => {
      try {
        const { rows } = await pool.query<{ papers: number; elems: string[] | null; freqs: number[] | null }>(
          `SELECT greatest((SELECT reltuples FROM pg_class WHERE oid = 'paper_search'::regclass), 0)::float8 AS papers,
                  (SELECT most_common_elems::text::text[] FROM pg_stats
                    WHERE schemaname = current_schema() AND tablename = 'paper_search' AND attname = 'doc') AS elems,
                  (SELECT most_common_elem_freqs FROM pg_stats
                    WHERE schemaname = current_schema() AND tablename = 'paper_search' AND attname = 'doc') AS freqs`,
        );
        const { papers, elems, freqs } = rows[0];
        const share = new Map<string, number>();
        (elems ?? []).forEach((e, i) => share.set(e, freqs![i]));
        // The frequencies array ends with the minimum and maximum of the listed ones.
        const min = elems?.length ? freqs![elems.length] : 0;
        snapshot = { at: Date.now(), papers, share, unlisted: min / 2 };
      } finally {
        loading = null;
      }
    })());
  const idfOf = (s: Snapshot, share: number) => {
    if (s.share.size === 0 || s.papers <= 0) return 1;
    const n = share * s.papers;
    return Math.log(1 + (s.papers - n + 0.5) / (n + 0.5));
  };
  return {
    async lexemes(words) {
      const missing = words.filter((w) => !lexemeCache.has(w));
      if (missing.length) {
        const { rows } = await pool.query<{ w: string; q: string }>(
          "SELECT w, plainto_tsquery('english', w)::text AS q FROM unnest($1::text[]) AS w",
          [missing],
        );
        for (const { w, q } of rows) {
          if (lexemeCache.size >= LEXEME_CACHE_SIZE) lexemeCache.delete(lexemeCache.keys().next().value!);
          lexemeCache.set(w, [...q.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replaceAll("''", "'")));
        }
      }
      return words.flatMap((w) => lexemeCache.get(w) ?? []);
    },
    async idf() {
      if (!snapshot) await load();
      else if (Date.now() - snapshot.at > TERM_STATS_TTL_MS) void load().catch(() => {});
      const s = snapshot!;
      return (lexeme) => idfOf(s, s.share.get(lexeme) ?? s.unlisted);
    },
    idfOfShare(share) {
      return snapshot && snapshot.share.size > 0 ? idfOf(snapshot, share) : 0;
    },
  };
}

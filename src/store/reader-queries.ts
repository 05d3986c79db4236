import type Database from 'better-sqlite3';

/** Papers per published day, oldest first. */
export interface DayCount {
  date: string;
  papers: number;
}

interface Statements {
  days: Database.Statement<{ category: string | null }, DayCount>;
  starCount: Database.Statement<[string], number>;
}

const statements = new WeakMap<Database.Database, Statements>();

function stmt(db: Database.Database): Statements {
  let s = statements.get(db);
  if (!s) {
    s = {
      // Uses papers_published; a few hundred rows for a year of papers.
      days: db.prepare(`SELECT published AS date, count(*) AS papers FROM papers
         WHERE published IS NOT NULL
           AND (@category IS NULL OR EXISTS (SELECT 1 FROM json_each(categories) WHERE value = @category))
         GROUP BY published ORDER BY published`),
      starCount: db.prepare<[string], number>('SELECT count(*) FROM stars WHERE paper_id = ?').pluck(),
    };
    statements.set(db, s);
  }
  return s;
}

/** The days that have papers (optionally in one category), with how many: the date pages' calendar. */
export function papersPerDay(db: Database.Database, category?: string): DayCount[] {
  return stmt(db).days.all({ category: category ?? null });
}

/** How many of our users starred a paper. */
export function starCount(db: Database.Database, paperId: string): number {
  return stmt(db).starCount.get(paperId) ?? 0;
}

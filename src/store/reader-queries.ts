import type Database from 'better-sqlite3';
import type { DayCount } from './ports.js';

const statements = new WeakMap<Database.Database, Database.Statement<{ category: string | null }, DayCount>>();

/** The days that have papers (optionally in one category), with how many, oldest first (uses papers_published). */
export function papersPerDay(db: Database.Database, category?: string): DayCount[] {
  let stmt = statements.get(db);
  if (!stmt) {
    stmt = db.prepare(`SELECT published AS date, count(*) AS papers FROM papers
       WHERE published IS NOT NULL
         AND (@category IS NULL OR EXISTS (SELECT 1 FROM json_each(categories) WHERE value = @category))
       GROUP BY published ORDER BY published`);
    statements.set(db, stmt);
  }
  return stmt.all({ category: category ?? null });
}

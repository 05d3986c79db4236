import type Database from 'better-sqlite3';

/**
 * Schema migrations, applied in order inside one transaction each; PRAGMA user_version records how many ran.
 * Never edit a shipped migration: append a new one.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- seq is the stable integer key the HNSW index uses as its label; id is the opaque external id.
  CREATE TABLE papers (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    abstract     TEXT NOT NULL,
    authors      TEXT NOT NULL DEFAULT '[]',   -- JSON array of names
    published    TEXT,                          -- YYYY-MM-DD
    categories   TEXT NOT NULL DEFAULT '[]',   -- JSON array
    upvotes      INTEGER,
    source       TEXT,
    content_hash TEXT NOT NULL,                 -- sha256 of the embedded text
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
  );
  CREATE INDEX papers_published ON papers(published);

  -- One vector per paper and model; float32 little-endian.
  CREATE TABLE vectors (
    paper_seq    INTEGER NOT NULL REFERENCES papers(seq) ON DELETE CASCADE,
    model        TEXT NOT NULL,
    dim          INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    vec          BLOB NOT NULL,
    PRIMARY KEY (paper_seq, model)
  ) WITHOUT ROWID;

  -- Append-only log of vector changes: the index manifest remembers the last version it covers,
  -- so a start only replays what came after (inserts, updates and deletes alike).
  CREATE TABLE changes (
    version   INTEGER PRIMARY KEY AUTOINCREMENT,
    paper_seq INTEGER NOT NULL
  );

  CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, content='papers', content_rowid='seq', tokenize='porter unicode61'
  );
  CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.seq, new.title, new.abstract);
  END;
  CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract) VALUES ('delete', old.seq, old.title, old.abstract);
  END;
  CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract) VALUES ('delete', old.seq, old.title, old.abstract);
    INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.seq, new.title, new.abstract);
  END;

  CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,           -- sha256 of the bearer token; the token itself is never stored
    feed_key_hash TEXT UNIQUE,                 -- read-only key for Atom feeds, revocable
    created_at TEXT NOT NULL
  );
  CREATE TABLE stars (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    paper_id   TEXT NOT NULL,                  -- external id: a star survives a paper's delete and re-ingest
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
  ) WITHOUT ROWID;
  CREATE TABLE feedback (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    paper_id   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('not_interested', 'seen')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id, kind)
  ) WITHOUT ROWID;
  `,
  // Source extras (src/store/paper-meta.ts) and per-source harvest checkpoints (src/store/sources.ts).
  `
  ALTER TABLE papers ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
  CREATE TABLE source_state (
    source          TEXT PRIMARY KEY,           -- "arxiv", "hf"
    harvested_until TEXT,                       -- YYYY-MM-DD: the last day a completed run covered
    newest_datestamp TEXT,                      -- the newest record datestamp seen (for the lag metric)
    cursor          TEXT,                       -- JSON: where an unfinished run stopped (range, set, resumption token)
    last_run_at     TEXT,
    last_success_at TEXT,
    last_error      TEXT,
    last_error_at   TEXT,
    runs            INTEGER NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    papers_added    INTEGER NOT NULL DEFAULT 0, -- inserted over all runs
    papers_updated  INTEGER NOT NULL DEFAULT 0,
    last_run_added  INTEGER NOT NULL DEFAULT 0
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `The store ${file} has schema version ${current}, newer than this paperfeed understands (${SCHEMA_VERSION}). ` +
        'Upgrade paperfeed, or point DATA_DIR at another folder. The file was not changed.',
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

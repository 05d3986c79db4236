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
  // Digests by mail (src/store/digests.ts): subscriptions, single-use link tokens (hashes only), the outbox and the
  // papers each subscription was sent.
  `
  CREATE TABLE digest_subscriptions (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('feed', 'trending')),
    user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,   -- feed digests only
    email       TEXT NOT NULL,
    cadence     TEXT NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    hour        INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    time_zone   TEXT NOT NULL,
    k           INTEGER NOT NULL,
    category    TEXT,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'paused', 'ended')),
    failures    INTEGER NOT NULL DEFAULT 0,                    -- permanent send failures in a row
    since_seq   INTEGER,                                       -- papers with a larger seq are new to the next digest
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );
  CREATE INDEX digest_subscriptions_email ON digest_subscriptions(email);
  CREATE INDEX digest_subscriptions_user ON digest_subscriptions(user_id);

  CREATE TABLE digest_tokens (
    hash            TEXT PRIMARY KEY,                          -- sha256 of the token; the token itself is never stored
    purpose         TEXT NOT NULL,
    email           TEXT NOT NULL,
    subscription_id TEXT,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
  );
  CREATE INDEX digest_tokens_email ON digest_tokens(email, created_at);

  CREATE TABLE digest_outbox (
    id              INTEGER PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES digest_subscriptions(id) ON DELETE CASCADE,
    period          TEXT NOT NULL,                             -- 2026-12-04 (daily) or 2026-W49 (weekly), local time
    state           TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'retry', 'sent', 'failed', 'empty', 'cancelled')),
    recipient       TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    message         TEXT,                                      -- JSON {subject, html, text, headers}; cleared some time after sending
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      INTEGER,                                   -- pid of the process sending it
    last_error      TEXT,
    planned_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (subscription_id, period)
  );
  CREATE INDEX digest_outbox_due ON digest_outbox(state, next_attempt_at);

  CREATE TABLE digest_items (
    subscription_id TEXT NOT NULL REFERENCES digest_subscriptions(id) ON DELETE CASCADE,
    paper_id        TEXT NOT NULL,
    period          TEXT NOT NULL,
    PRIMARY KEY (subscription_id, paper_id)
  ) WITHOUT ROWID;
  `,
  // Star counts per paper (feed popularity, trending): without this, each count scans every star of every user; a
  // feed over a week of the full corpus counts ~3,000 papers (BENCHMARKS.md, bench:digest with 1,000 users).
  `
  CREATE INDEX stars_paper ON stars(paper_id);
  `,
  // Each paper's term vector (text/terms.ts), written with its vector whenever its text changes: the lexical
  // signals weigh these instead of tokenising texts per request. Papers stored before get theirs on the next start
  // (src/index/lexicon-sync.ts backfills them).
  `
  CREATE TABLE paper_terms (
    paper_seq INTEGER PRIMARY KEY REFERENCES papers(seq) ON DELETE CASCADE,
    terms     BLOB NOT NULL                    -- uint32 little-endian: term id << 8 | count
  );
  `,
  // Trending's candidates (store.ts TRENDING_CANDIDATES): the papers with upvotes, by date.
  `
  CREATE INDEX papers_upvoted ON papers(published) WHERE upvotes > 0;
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

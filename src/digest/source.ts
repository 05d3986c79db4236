/** A paper as a digest needs it. */
export interface DigestPaper {
  id: string;
  seq: number;
  title: string;
  authors: string[];
  /** Why it is there ("Close to “…”, which you starred", "Trending: 42 upvotes"). */
  reason: string;
}

/**
 * What the digests need from the engine, as plain functions (feed-source.ts builds them from the running engine;
 * tests may pass their own).
 */
export interface DigestSource {
  /** The user's feed, best first, starred and dismissed papers already left out; at most `limit` papers. */
  personal(userId: string, limit: number): Promise<DigestPaper[]>;
  trending(category: string | null, limit: number): Promise<DigestPaper[]>;
  /** The largest paper seq now: papers added later have larger ones. */
  newestSeq(): Promise<number>;
  paperTitle(paperId: string): Promise<string | undefined>;
  userExists(userId: string): Promise<boolean>;
  star(userId: string, paperId: string): Promise<void>;
  dismiss(userId: string, paperId: string): Promise<void>;
}

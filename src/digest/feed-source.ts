// The one place the digests touch the recommenders and the store: the personal feed and trending as the API serves
// them, and the few reads and writes a mail link needs, through the engine's ports.
import { trendingInputOf, userFeedInputOf, type ApiDeps } from '../api/deps.js';
import { DEFAULT_FEED_DAYS, userFeed } from '../recommend/feed.js';
import { DEFAULT_TRENDING_DAYS, trending } from '../recommend/trending.js';
import { defaultWindow } from '../recommend/window.js';
import type { DigestPaper, DigestSource } from './source.js';

const trendingReason = (upvotes: number | null) => (upvotes ? `Trending: ${upvotes} upvote${upvotes === 1 ? '' : 's'}` : 'New this week');

export type FeedSourceDeps = Pick<ApiDeps, 'papers' | 'users' | 'index' | 'model' | 'caches' | 'changes' | 'library'>;

export function feedSource(d: FeedSourceDeps): DigestSource {
  const toDigest = (p: { paper: { id: string; seq: number; title: string; authors: string[] }; reason: string }): DigestPaper => ({
    id: p.paper.id,
    seq: p.paper.seq,
    title: p.paper.title,
    authors: p.paper.authors,
    reason: p.reason,
  });
  return {
    async personal(userId, limit) {
      const input = userFeedInputOf(d, userId); // throws while the index loads
      const window = defaultWindow({}, DEFAULT_FEED_DAYS, await d.papers.newestPublished());
      return (await userFeed(input, userId, window, limit)).map(toDigest);
    },
    async trending(category, limit) {
      const window = defaultWindow(category ? { category } : {}, DEFAULT_TRENDING_DAYS, await d.papers.newestPublished());
      return (await trending(trendingInputOf(d), window, limit)).map((t) => toDigest({ paper: t.paper, reason: trendingReason(t.paper.upvotes) }));
    },
    newestSeq: () => d.papers.newestSeq(),
    paperTitle: async (id) => (await d.papers.byIds([id]))[0]?.title,
    userExists: async (userId) => (await d.users.get(userId)) !== undefined,
    star: async (userId, paperId) => void (await d.users.addStar(userId, paperId)),
    dismiss: async (userId, paperId) => void (await d.users.addFeedback(userId, paperId, 'not_interested')),
  };
}

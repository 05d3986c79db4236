// The one place the digests touch the recommenders and the Paperfeed object: the refactor of issue 11 changes only
// this adapter.
import { DEFAULT_FEED_DAYS, userFeed } from '../recommend/feed.js';
import { DEFAULT_TRENDING_DAYS, trending } from '../recommend/trending.js';
import { defaultWindow } from '../recommend/window.js';
import type { Paperfeed } from '../service.js';
import { newestPaperSeq } from '../store/digests.js';
import type { DigestPaper, DigestSource } from './source.js';

const trendingReason = (upvotes: number | null) => (upvotes ? `Trending: ${upvotes} upvote${upvotes === 1 ? '' : 's'}` : 'New this week');

export function feedSource(feed: Paperfeed): DigestSource {
  const ready = () => {
    if (!feed.ready) throw new Error('the index is still loading');
  };
  const toDigest = (p: { paper: { id: string; seq: number; title: string; authors: string[] }; reason: string }): DigestPaper => ({
    id: p.paper.id,
    seq: p.paper.seq,
    title: p.paper.title,
    authors: p.paper.authors,
    reason: p.reason,
  });
  return {
    async personal(userId, limit) {
      ready();
      const window = defaultWindow({}, DEFAULT_FEED_DAYS, feed.store.newestPublished());
      return (await userFeed(feed, userId, window, limit)).map(toDigest);
    },
    async trending(category, limit) {
      ready();
      const window = defaultWindow(category ? { category } : {}, DEFAULT_TRENDING_DAYS, feed.store.newestPublished());
      return trending(feed, window, limit).map((t) => toDigest({ paper: t.paper, reason: trendingReason(t.paper.upvotes) }));
    },
    newestSeq: () => newestPaperSeq(feed.store.db),
    paperTitle: (id) => feed.store.getPaper(id)?.title,
    userExists: (userId) => feed.users.get(userId) !== undefined,
    star: (userId, paperId) => void feed.users.addStar(userId, paperId),
    dismiss: (userId, paperId) => void feed.users.addFeedback(userId, paperId, 'not_interested'),
  };
}

import type { Paperfeed } from '../service.js';
import { TopicEngine } from './engine.js';

const engines = new WeakMap<Paperfeed, TopicEngine>();

/** One TopicEngine (and so one cache of clusterings) per running engine, shared by /v1/topics and the paper pages. */
export function topicEngineFor(feed: Paperfeed): TopicEngine {
  let engine = engines.get(feed);
  if (!engine) engines.set(feed, (engine = new TopicEngine(feed)));
  return engine;
}

// Worker thread entry: clusters one window (see run.ts) and posts the result back, its arrays transferred.
import { answerOneJob } from '../util/worker.js';
import { computeTopics, type TopicFit, type TopicJob } from './compute.js';

answerOneJob<TopicJob, TopicFit>(computeTopics, (fit) =>
  [fit.labels, fit.similarity, fit.xy, fit.sizes, fit.previousSizes, fit.centroids].map((a) => a.buffer as ArrayBuffer),
);

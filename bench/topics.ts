// npm run bench:topics [-- --data-dir /tmp/pf-full2 --days 30 --runs 3]
// Times topic clustering on a real store, opened READ-ONLY (it never writes to it): the default window (the
// `days` days up to the newest paper), inline and in a worker thread, plus the event-loop stall either way.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { defaultWindow } from '../src/recommend/window.js';
import type { HnswIndex } from '../src/index/hnsw-index.js';
import type { PaperReads } from '../src/store/ports.js';
import { fromBlob, type Window } from '../src/store/store.js';
import { TopicEngine, type TopicInput } from '../src/topics/engine.js';
import { arg, intArg } from './lib.js';

const dataDir = arg('data-dir', '/tmp/pf-full2')!;
const days = intArg('days', 30);
const runs = intArg('runs', 3);
const db = new Database(path.join(dataDir, 'paperfeed.db'), { readonly: true, fileMustExist: true });
const meta = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? '';
const model = meta('model');
const vec = db.prepare<[number, string], Buffer>('SELECT vec FROM vectors WHERE paper_seq = ? AND model = ?').pluck();

// All vectors in memory, as the server's HNSW index holds them.
const vectors = new Map<number, Float32Array>();
for (const r of db.prepare('SELECT paper_seq AS seq, vec FROM vectors WHERE model = ?').iterate(model) as Iterable<{ seq: number; vec: Buffer }>) {
  vectors.set(r.seq, fromBlob(r.vec));
}

// Just what TopicEngine reads, over a read-only connection (SqliteStore would migrate and write).
const input: TopicInput = {
  papers: {
    seqsInWindow: async (w: Window) =>
      new Set(
        db
          .prepare(`SELECT seq FROM papers p WHERE published >= @since AND published < @until
            AND (@category IS NULL OR EXISTS (SELECT 1 FROM json_each(p.categories) WHERE value = @category))`)
          .pluck()
          .all({ since: w.since, until: w.until, category: w.category ?? null }) as number[],
      ),
    bySeqs: async (seqs: number[]) =>
      db.prepare('SELECT seq, id, title, abstract FROM papers WHERE seq IN (SELECT value FROM json_each(?))').all(JSON.stringify(seqs)),
    vectors: async (seqs: number[], m: string) =>
      seqs.map((seq) => {
        const b = vec.get(seq, m);
        return b ? fromBlob(b) : undefined;
      }),
  } as unknown as PaperReads,
  changes: { head: async () => (db.prepare('SELECT max(version) FROM changes').pluck().get() as number | null) ?? 0 },
  index: { current: { vector: (seq: number) => vectors.get(seq) } as unknown as HnswIndex },
  model,
  dim: Number(meta('dim')),
  log: () => {},
};
const newest = db.prepare('SELECT max(published) FROM papers').pluck().get() as string | null;

const window = defaultWindow({}, days, newest);
console.log(`store ${dataDir}: window ${window.since}…${window.until}`);

for (const mode of (arg("mode") ? [arg("mode")] : ["inline", "worker"]) as ("inline" | "worker")[]) {
  for (let run = 0; run < runs; run++) {
    const engine = new TopicEngine(input, mode);
    // The longest gap between 5 ms ticks: how long the event loop (other requests) had to wait.
    let last = performance.now();
    let stall = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      stall = Math.max(stall, now - last - 5);
      last = now;
    }, 5);
    const t0 = performance.now();
    const m = await engine.get(window, null, 1);
    const total = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
    clearInterval(ticker);
    console.log(
      `${mode} run ${run + 1}: ${m.ids.length} papers (previous window ${m.previousWindow.papers}), k=${m.fit.k}, ` +
        `${m.fit.iterations} iterations, total ${total.toFixed(0)} ms, stages ${JSON.stringify(m.fit.ms)}, ` +
        `longest event-loop stall ${stall.toFixed(0)} ms`,
    );
    if (run === 0 && mode === 'inline') {
      m.fit.terms.forEach((t, i) => console.log(`  t${i} (${m.fit.sizes[i]}, prev ${m.fit.previousSizes[i]}): ${t.slice(0, 6).map((x) => x.term).join(', ')}`));
    }
  }
}
db.close();

// npm run ingest -- <files…>: upsert papers from JSONL / JSON / HF daily_papers / arXiv Atom files (gzipped or not).
import { loadConfig } from '../config.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { ingestFiles } from './files.js';
import { explainStoreError } from '../store/explain.js';

const files = process.argv.slice(2).filter((a) => a !== '--');
if (files.length === 0 || files.includes('--help')) {
  console.error('usage: npm run ingest -- <file.jsonl[.gz] | file.json[.gz] | arxiv-atom.xml> …');
  process.exit(files.length === 0 ? 2 : 0);
}

let runtime: Runtime | undefined;
try {
  const config = loadConfig();
  runtime = await openRuntime(config, (m) => console.error(m));
  let shown = 0;
  const report = await ingestFiles(runtime.engine.writes, runtime.embedder, files, {
    batchSize: config.INGEST_BATCH_SIZE,
    progress: true,
    onReject: (r) => {
      if (shown++ < 50) console.error(`rejected ${r.file}:${r.line}: ${r.reason}`);
    },
  });
  if (report.rejected.length > shown) console.error(`… and ${report.rejected.length - shown} more rejected records`);
  for (const f of report.failedFiles) console.error(`failed ${f.file}: ${f.reason}`);
  // Bring the saved index up to date, so the next server start loads instead of rebuilding.
  await runtime.index.load(runtime.embedder.ready);
  const total = await runtime.engine.papers.count();
  await runtime.close();
  console.log(
    `ingest done in ${report.seconds.toFixed(1)} s: inserted ${report.inserted}, updated ${report.updated}, ` +
      `unchanged ${report.unchanged}, rejected ${report.rejected.length}` +
      (report.failedFiles.length ? `, failed files ${report.failedFiles.length}` : '') +
      `; store has ${total} papers`,
  );
  process.exit(report.failedFiles.length ? 1 : 0);
} catch (err) {
  console.error(`ingest failed: ${explainStoreError(err)}`);
  // The model's worker thread stops before the process exits (exiting under onnxruntime can abort with SIGABRT).
  await runtime?.embedder.close().catch(() => {});
  process.exit(1);
}

// npm run ingest -- <files…>: upsert papers from JSONL / JSON / HF daily_papers / arXiv Atom files (gzipped or not).
import { loadConfig } from '../config.js';
import { Paperfeed } from '../service.js';
import { ingestFiles } from './files.js';

const files = process.argv.slice(2).filter((a) => a !== '--');
if (files.length === 0 || files.includes('--help')) {
  console.error('usage: npm run ingest -- <file.jsonl[.gz] | file.json[.gz] | arxiv-atom.xml> …');
  process.exit(files.length === 0 ? 2 : 0);
}

try {
  const config = loadConfig();
  const feed = await Paperfeed.open(config, (m) => console.error(m));
  let shown = 0;
  const report = await ingestFiles(feed.store, feed.embedder, files, {
    batchSize: config.INGEST_BATCH_SIZE,
    progress: true,
    onReject: (r) => {
      if (shown++ < 50) console.error(`rejected ${r.file}:${r.line}: ${r.reason}`);
    },
  });
  if (report.rejected.length > shown) console.error(`… and ${report.rejected.length - shown} more rejected records`);
  for (const f of report.failedFiles) console.error(`failed ${f.file}: ${f.reason}`);
  // Bring the saved index up to date, so the next server start loads instead of rebuilding.
  await feed.loadIndex();
  const total = feed.store.countPapers();
  await feed.close();
  console.log(
    `ingest done in ${report.seconds.toFixed(1)} s: inserted ${report.inserted}, updated ${report.updated}, ` +
      `unchanged ${report.unchanged}, rejected ${report.rejected.length}` +
      (report.failedFiles.length ? `, failed files ${report.failedFiles.length}` : '') +
      `; store has ${total} papers`,
  );
  process.exit(report.failedFiles.length ? 1 : 0);
} catch (err) {
  // Name the likely cause for the file-system errors a user can fix (read-only or missing dir, full disk).
  const code = String((err as { code?: unknown }).code ?? '');
  const hint = /^(SQLITE_CANTOPEN|SQLITE_READONLY|EROFS|EACCES|EPERM)/.test(code)
    ? ` (${code}: is the data directory ${process.env.DATA_DIR ?? './data'} there and writable?)`
    : /^(SQLITE_FULL|ENOSPC)/.test(code) ? ` (${code}: the disk is full; free space and rerun, committed batches are kept)` : '';
  console.error(`ingest failed: ${(err as Error).message}${hint}`);
  process.exit(1);
}

// npm run import -- --user U --file library.bib [--format bibtex|ris|csl-json] [--collection NAME|ID]
// Imports a library into a user's stars (or a collection, made when no collection has that name), as
// POST /v1/users/{uid}/import does, and prints the report. Give it the server's DATA_DIR / DATABASE_URL.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { explainStoreError } from '../store/explain.js';
import { LIBRARY_FORMATS, type LibraryFormat } from './entry.js';
import { importLibrary, LibraryFileProblem } from './import.js';

const USAGE = 'usage: npm run import -- --user USER_ID --file LIBRARY [--format bibtex|ris|csl-json] [--collection NAME|ID]';
const MAX_FILE_BYTES = 50 * 1024 * 1024;
class UsageError extends Error {}

let runtime: Runtime | undefined;
try {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: { user: { type: 'string' }, file: { type: 'string' }, format: { type: 'string' }, collection: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values.user || !values.file) throw new UsageError(`--user and --file are required\n${USAGE}`);
  if (values.format !== undefined && !(LIBRARY_FORMATS as string[]).includes(values.format)) throw new UsageError(`--format must be one of ${LIBRARY_FORMATS.join(', ')}`);
  const size = fs.statSync(values.file).size;
  if (size > MAX_FILE_BYTES) throw new UsageError(`${values.file} is larger than ${MAX_FILE_BYTES} bytes`);
  const text = fs.readFileSync(values.file, 'utf8');

  runtime = await openRuntime(loadConfig(), (m) => console.error(m));
  const { engine, embedder } = runtime;
  if (!(await engine.users.get(values.user))) throw new UsageError(`no user "${values.user}" in ${engine.location}`);
  let collectionId: string | undefined;
  if (values.collection !== undefined) {
    const mine = await engine.library.collections(values.user);
    const found = mine.find((c) => c.id === values.collection || c.name === values.collection);
    collectionId = (found ?? (await engine.library.createCollection(values.user, values.collection.trim().slice(0, 100))))?.id;
  }
  const report = await importLibrary(
    { papers: engine.papers, library: engine.library, model: embedder },
    { userId: values.user, text, format: (values.format as LibraryFormat | undefined) ?? null, collectionId },
  );
  const at = (w: { key: string; line?: number }) => `${w.key}${w.line !== undefined ? ` (line ${w.line})` : ''}`;
  for (const s of report.skipped) console.error(`skipped ${at(s)}: ${s.reason}`);
  for (const a of report.added) console.error(`added as your own paper: ${at(a)}: ${a.title}`);
  console.log(
    `import done (${report.format}, ${report.entries} entries) into ${collectionId ? `collection ${collectionId}` : 'the stars'}: ` +
      `matched ${report.matched.length}, added ${report.added.length}, skipped ${report.skipped.length}; ${report.newInTarget} new`,
  );
  await runtime.close();
  process.exit(0);
} catch (err) {
  if (err instanceof LibraryFileProblem) {
    const { message, entry, line } = err.error;
    console.error(`import failed, nothing imported: ${message}${entry ? ` [entry ${entry}]` : ''}${line ? ` [line ${line}]` : ''}`);
  } else if (err instanceof UsageError) console.error(err.message);
  else console.error(`import failed: ${explainStoreError(err)}`);
  // The model's worker thread stops before the process exits (exiting under onnxruntime can abort with SIGABRT).
  await runtime?.close().catch(() => {});
  process.exit(err instanceof UsageError ? 2 : 1);
}

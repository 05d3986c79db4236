#!/usr/bin/env node
// The paperfeed command: `paperfeed <command> [arguments]`, plain Node on the build in dist/ (npm run build, which
// npm install runs). Each command is the module that `npm run <command>` runs; configuration comes from the
// environment (README: Configuration), so give every command the server's DATA_DIR.
import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const COMMANDS = {
  start: ['main.js', 'serve the API and the dashboard (SIGTERM/SIGINT stop it cleanly, saving the index)'],
  ingest: ['ingest/cli.js', 'FILE…  add papers from JSONL / JSON / arXiv Atom files (gzipped or not)'],
  sync: ['ingest/sync-cli.js', '[--source arxiv|hf] [--from YYYY-MM-DD --until YYYY-MM-DD]  fetch new papers now (or a backfill)'],
  reembed: ['ingest/reembed-cli.js', 'recompute every vector with EMBED_MODEL and switch the store to it'],
  import: ['library/import-cli.js', '--user ID --file LIBRARY [--format bibtex|ris|csl-json] [--collection NAME]  import a BibTeX/RIS/CSL-JSON library'],
  export: ['export-cli.js', '--format npy|jsonl --out DIR  export every vector'],
  'migrate-store': ['migrate-store-cli.js', '--to postgres://…  copy this SQLite store (DATA_DIR) into PostgreSQL, resumably'],
  backup: ['backup-cli.js', 'FILE  a consistent copy of the store, safe while the server runs and ingests'],
  restore: ['restore-cli.js', 'FILE  put a backup in place as DATA_DIR\'s store (the server must be stopped)'],
};

const [command] = process.argv.splice(2, 1);
if (!command || !Object.hasOwn(COMMANDS, command)) {
  const usage = Object.entries(COMMANDS).map(([name, [, what]]) => `  paperfeed ${name.padEnd(8)} ${what}`).join('\n');
  const help = command === undefined || command === '--help' || command === '-h' || command === 'help';
  (help ? console.log : console.error)(`${help ? '' : `paperfeed: unknown command "${command}"\n\n`}usage:\n${usage}`);
  process.exit(help ? 0 : 2);
}
const entry = fileURLToPath(new URL(`../dist/${COMMANDS[command][0]}`, import.meta.url));
if (!fs.existsSync(entry)) {
  console.error(`paperfeed: ${entry} is missing: build the server first (npm run build; npm install does it)`);
  process.exit(1);
}
await import(pathToFileURL(entry).href);

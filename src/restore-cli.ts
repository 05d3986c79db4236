// npm run restore -- FILE (paperfeed restore FILE): put a backup in place as DATA_DIR's store (server stopped).
import path from 'node:path';
import { loadConfig } from './config.js';
import { restoreStore } from './store/backup.js';

const [file, ...rest] = process.argv.slice(2).filter((a) => a !== '--');
if (!file || rest.length || file === '--help') {
  console.error('usage: DATA_DIR=<data dir to restore into> npm run restore -- FILE   (stop the server first)');
  process.exit(file === '--help' ? 0 : 2);
}
try {
  const config = loadConfig();
  const { summary: s, movedAside } = restoreStore(config.DATA_DIR, path.resolve(file));
  if (movedAside) console.log(`the previous store was moved aside to ${movedAside}`);
  console.log(`restored ${path.resolve(file)} into ${config.DATA_DIR}: ${s.papers} papers, ${s.users} users, change version ${s.version}; the index is rebuilt at the next start`);
} catch (err) {
  console.error(`restore failed: ${(err as Error).message}`);
  process.exit(1);
}

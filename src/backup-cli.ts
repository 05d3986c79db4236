// npm run backup -- FILE (paperfeed backup FILE): a consistent copy of DATA_DIR's store, safe while the server runs.
import path from 'node:path';
import { loadConfig } from './config.js';
import { backupStore } from './store/backup.js';

const [file, ...rest] = process.argv.slice(2).filter((a) => a !== '--');
if (!file || rest.length || file === '--help') {
  console.error('usage: DATA_DIR=<the server\'s data dir> npm run backup -- FILE');
  process.exit(file === '--help' ? 0 : 2);
}
try {
  const config = loadConfig();
  const started = Date.now();
  const s = backupStore(config.DATA_DIR, path.resolve(file));
  console.log(`backup of ${config.DATA_DIR} written to ${path.resolve(file)} in ${Date.now() - started} ms: ${s.papers} papers, ${s.users} users, change version ${s.version}`);
  if (!config.ADMIN_TOKEN) console.log(`keep ${path.join(config.DATA_DIR, 'admin-token')} too (or set ADMIN_TOKEN): the admin token is not in the store`);
} catch (err) {
  console.error(`backup failed: ${(err as Error).message}`);
  process.exit(1);
}

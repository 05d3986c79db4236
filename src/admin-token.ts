import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/**
 * ADMIN_TOKEN from the environment, or else a random one kept in DATA_DIR/admin-token (mode 0600), created on
 * first start, so a fresh install is never open to writes. The token itself is never logged.
 */
export function resolveAdminToken(config: Config, log: (msg: string) => void): string {
  if (config.ADMIN_TOKEN) return config.ADMIN_TOKEN;
  const file = path.join(config.DATA_DIR, 'admin-token');
  if (fs.existsSync(file)) {
    const token = fs.readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return token;
  }
  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  const token = `pfadmin_${crypto.randomBytes(24).toString('base64url')}`;
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  log(`admin token generated: read it from ${file} (or set ADMIN_TOKEN)`);
  return token;
}

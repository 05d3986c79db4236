import type { Config } from '../config.js';

/**
 * An absolute URL for a path of ours (`/v1/…?…`), built from PUBLIC_URL (or http://HOST:PORT), never from the
 * request's Host header, which a client chooses (issue 15, finding 6). A path in PUBLIC_URL (a reverse proxy
 * serving us under /paperfeed, say) is kept as a prefix.
 */
export function absoluteUrl(config: Pick<Config, 'PUBLIC_URL' | 'HOST' | 'PORT'>, pathAndQuery: string): string {
  const base = new URL(config.PUBLIC_URL ?? `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`);
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${pathAndQuery}`;
}

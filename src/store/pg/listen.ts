import pg from 'pg';
import { clientOptions } from './pool.js';

/** The channel the change-log trigger notifies (pg/schema.ts). */
const CHANNEL = 'paperfeed_changes';
const MAX_BACKOFF_MS = 5000;

export interface ChangeWatch {
  close(): Promise<void>;
}

/**
 * Calls `onChange` whenever the change log grows, via a dedicated LISTEN connection: on every notification, and
 * once after each (re)connection, because notifications sent while disconnected are lost (the caller catches up in
 * full). A dropped connection is retried with backoff (0.1 s doubling to 5 s) until close(). Callers also poll on
 * a timer: a notification is a hint that makes followers quick, never what correctness rests on.
 */
export function watchChangeLog(url: string, onChange: () => void, log: (msg: string) => void): ChangeWatch {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let backoff = 100;

  const reconnectLater = (why: string) => {
    if (closed || retry) return;
    log(`change-log listener: ${why}; reconnecting in ${backoff} ms`);
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, backoff);
    retry.unref();
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };

  const connect = async () => {
    const c = new pg.Client(clientOptions(url));
    client = c;
    c.on('notification', (msg) => msg.channel === CHANNEL && onChange());
    // Only the current client reconnects: a replaced one's late 'end' must not start a second listener.
    c.on('error', (err) => {
      void c.end().catch(() => {});
      if (client === c) reconnectLater(err.message);
    });
    c.on('end', () => client === c && reconnectLater('connection closed'));
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      void c.end().catch(() => {});
      reconnectLater((err as Error).message);
      return;
    }
    if (closed) return void c.end().catch(() => {});
    backoff = 100;
    onChange(); // whatever was written while we were not listening
  };
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}

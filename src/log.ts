import type { Log } from './runtime.js';

export type LogFormat = 'text' | 'json';

/** What a log line of the service goes through: `<time> <message>`, or one JSON object per line (LOG_FORMAT=json). */
export function lineFor(format: LogFormat, msg: string, time = new Date()): string {
  if (format === 'text') return `${time.toISOString()} ${msg}`;
  const level = /^(error|start-up failed|index sync failed)/.test(msg) ? 'error' : 'info';
  return JSON.stringify({ time: time.toISOString(), level, msg });
}

/** A Log writing to stdout in `format`. */
export const stdoutLog = (format: () => LogFormat): Log => (msg) => console.log(lineFor(format(), msg));

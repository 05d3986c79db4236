/**
 * The one way the sources talk to the outside: GET with a User-Agent naming a contact, at most one request in flight
 * per host, a pause between requests to the same host, exponential backoff on network errors / 5xx / 429, Retry-After
 * obeyed (up to a cap), a deadline per request, and a bounded body that is refused while it streams in.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PoliteHttpOptions {
  userAgent: string;
  timeoutMs: number;
  /** Tries per request (1 = no retry). */
  attempts: number;
  /** First backoff; doubled on each further retry. */
  backoffMs: number;
  /** Largest Retry-After obeyed, in seconds; a longer one fails the request. */
  maxRetryAfterS: number;
  maxBytes: number;
  /** Called before each retry (the CLI prints it; the server stays quiet and logs once per run). */
  onRetry?: (info: { url: string; attempt: number; waitMs: number; reason: string }) => void;
}

/** A request that failed for good: `reason` is one short line for the log. */
export class FetchError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly status?: number,
  ) {
    super(`GET ${url}: ${reason}`);
  }
}

class RetryableError extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(reason);
  }
}

/** Retry-After as delta-seconds or an HTTP date → ms (undefined when absent or unreadable). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function networkReason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  const cause = e.cause?.code ?? e.cause?.message;
  // undici reports a body cut short as "terminated" (cause: "other side closed").
  return cause ? `${e.message} (${cause})` : e.message;
}

/** Reads a body up to `maxBytes`, cancelling the stream (not buffering the rest) once it grows past that. */
async function readBounded(res: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new FetchError(url, `response of ${declared} bytes is larger than the limit of ${maxBytes} (SYNC_MAX_RESPONSE_BYTES)`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new FetchError(url, `response is larger than the limit of ${maxBytes} bytes (SYNC_MAX_RESPONSE_BYTES); refused`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * One client per process (or per run): requests to a host queue behind each other, and each waits until
 * `delayMs` after the previous one to that host ended.
 */
export class PoliteHttp {
  private readonly hosts = new Map<string, { queue: Promise<unknown>; lastEnd: number }>();

  constructor(private readonly opts: PoliteHttpOptions) {}

  /** GET a text body; throws FetchError once the attempts are used up or on a non-retryable answer. */
  getText(url: string, delayMs: number, signal?: AbortSignal): Promise<string> {
    const host = new URL(url).host;
    const slot = this.hosts.get(host) ?? { queue: Promise.resolve(), lastEnd: 0 };
    this.hosts.set(host, slot);
    const run = slot.queue.then(async () => {
      try {
        return await this.withRetries(url, delayMs, slot, signal);
      } finally {
        slot.lastEnd = Date.now();
      }
    });
    slot.queue = run.catch(() => {});
    return run;
  }

  private async withRetries(url: string, delayMs: number, slot: { lastEnd: number }, signal?: AbortSignal): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const wait = slot.lastEnd + delayMs - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal });
      try {
        return await this.once(url, signal);
      } catch (err) {
        slot.lastEnd = Date.now();
        if (!(err instanceof RetryableError)) throw err;
        if (signal?.aborted) throw new FetchError(url, 'aborted');
        if (attempt >= this.opts.attempts) throw new FetchError(url, `${err.reason} (gave up after ${attempt} attempts)`);
        if (err.retryAfterMs !== undefined && err.retryAfterMs > this.opts.maxRetryAfterS * 1000) {
          throw new FetchError(url, `${err.reason}; Retry-After ${Math.round(err.retryAfterMs / 1000)} s is beyond SYNC_MAX_RETRY_AFTER_S`);
        }
        const waitMs = err.retryAfterMs ?? this.opts.backoffMs * 2 ** (attempt - 1);
        this.opts.onRetry?.({ url, attempt, waitMs, reason: err.reason });
        await sleep(waitMs, undefined, { signal });
      }
    }
  }

  private async once(url: string, signal?: AbortSignal): Promise<string> {
    const deadline = AbortSignal.timeout(this.opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let res: Response;
    try {
      res = await fetch(url, { headers: { 'User-Agent': this.opts.userAgent, Accept: '*/*' }, signal: combined, redirect: 'follow' });
    } catch (err) {
      if (signal?.aborted) throw new FetchError(url, 'aborted');
      throw new RetryableError(networkReason(err));
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel().catch(() => {});
      throw new RetryableError(`HTTP ${res.status}`, retryAfterMs(res.headers.get('retry-after')));
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new FetchError(url, `HTTP ${res.status}`, res.status);
    }
    try {
      return await readBounded(res, this.opts.maxBytes, url);
    } catch (err) {
      if (err instanceof FetchError) throw err;
      if (signal?.aborted) throw new FetchError(url, 'aborted');
      throw new RetryableError(`body cut short: ${networkReason(err)}`);
    }
  }
}

/** "paperfeed/0.1.0 (+mailto:me@example.org)": arXiv asks harvesters to say who they are. */
export function userAgent(version: string, contact: string): string {
  const who = contact.trim() ? (contact.includes('@') && !contact.includes(':') ? `mailto:${contact.trim()}` : contact.trim()) : 'no contact configured: set SYNC_CONTACT';
  return `paperfeed/${version} (self-hosted paper recommender; ${who})`;
}

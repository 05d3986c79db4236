import { signToken, type TokenPurpose } from './tokens.js';

/** How long the links in a digest (star, not interested, unsubscribe, manage) keep working. */
export const ACTION_LINK_DAYS = 60;
/** How long a confirmation link works. */
export const CONFIRM_LINK_DAYS = 7;
const DAY_MS = 86_400_000;

/** Absolute URLs under PUBLIC_URL: signed action links (`/digest/<token>`) and pages of this instance. */
export class Links {
  constructor(
    readonly secret: Buffer,
    readonly base: string,
  ) {}

  /** A signed single-purpose link; `subject` is a subscription id (or the address, for manage links). */
  action(purpose: TokenPurpose, subject: string, now: Date, paperId?: string, days = ACTION_LINK_DAYS): { url: string; token: string; expires: Date } {
    const expires = new Date(Math.floor((now.getTime() + days * DAY_MS) / 1000) * 1000);
    const token = signToken(this.secret, { purpose, subject, paperId, expires: expires.getTime() / 1000 });
    return { url: this.url(`/digest/${token}`), token, expires };
  }

  /** The paper on this instance: the dashboard opens it from the fragment. */
  paper(id: string): string {
    return this.url(`/#paper=${encodeURIComponent(id)}`);
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** The domain part of Message-IDs. */
  get host(): string {
    return new URL(this.base).hostname || 'localhost';
  }
}


import crypto from 'node:crypto';

/**
 * What a link in a digest mail may do. Each token does one thing for one subscription (and paper), until it expires:
 * a mail scanner or a forwarded mail can at most repeat that one action.
 */
export type TokenPurpose = 'confirm' | 'unsubscribe' | 'star' | 'dismiss' | 'manage';

export interface TokenClaims {
  purpose: TokenPurpose;
  /** Subscription id (confirm, unsubscribe, star, dismiss) or the address (manage). */
  subject: string;
  paperId?: string;
  /** Expiry, seconds since the epoch. */
  expires: number;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'invalid' | 'expired' };

const PURPOSES = new Set<TokenPurpose>(['confirm', 'unsubscribe', 'star', 'dismiss', 'manage']);
const MAX_TOKEN_CHARS = 2000;

const mac = (secret: Buffer, payload: string) => crypto.createHmac('sha256', secret).update(payload).digest('base64url');

/** `payload.signature`, both base64url; the payload carries a nonce, so two tokens for the same action differ. */
export function signToken(secret: Buffer, claims: TokenClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ p: claims.purpose, s: claims.subject, x: claims.paperId, e: claims.expires, n: crypto.randomBytes(6).toString('base64url') }),
  ).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

/** Checks the signature (in constant time) before reading anything, then the expiry. */
export function verifyToken(secret: Buffer, token: string, now: Date): TokenCheck {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'invalid' };
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  let raw: { p?: unknown; s?: unknown; x?: unknown; e?: unknown };
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (!PURPOSES.has(raw.p as TokenPurpose) || typeof raw.s !== 'string' || typeof raw.e !== 'number') return { ok: false, reason: 'invalid' };
  if (raw.x !== undefined && typeof raw.x !== 'string') return { ok: false, reason: 'invalid' };
  if (raw.e * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { purpose: raw.p as TokenPurpose, subject: raw.s, paperId: raw.x as string | undefined, expires: raw.e } };
}

/** What the store keeps of a single-use token. */
export const tokenHash = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../auth.js';

/**
 * The same security headers on every response (the dashboard, /docs, the API, errors): everything from our own
 * origin, no framing by other sites, no MIME sniffing, no Referer sent elsewhere. Swagger UI and the dashboard
 * load only their own files (no inline script); inline styles are not needed either. HSTS is left to the TLS proxy.
 */
/** The one Content-Security-Policy: everything from our own origin, no inline script or style, no framing. */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  styleSrc: ["'self'"],
  scriptSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The same policy as a header value, for a page that adds to it (the paper page's hashes of KaTeX's styles). */
export const CSP = Object.entries(CSP_DIRECTIVES)
  .map(([name, values]) => `${name.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)} ${values.join(' ')}`)
  .join('; ');

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  const headers = secureHeaders({
    contentSecurityPolicy: CSP_DIRECTIVES,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    strictTransportSecurity: false,
    // Feed readers and other apps fetch across origins (CORS decides what browsers may read).
    crossOriginResourcePolicy: false,
  });
  // A page that needs more than the default (the paper page: hashes of KaTeX's inline styles, never 'unsafe-inline')
  // sets its own, stricter-or-equal Content-Security-Policy; it is kept, every other header still comes from here.
  return async (c, next) => {
    let own: string | null = null;
    await headers(c, async () => {
      await next();
      own = c.res.headers.get('Content-Security-Policy');
    });
    if (own) c.res.headers.set('Content-Security-Policy', own);
  };
}

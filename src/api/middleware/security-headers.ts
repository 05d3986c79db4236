import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../auth.js';

/**
 * The same security headers on every response (the dashboard, /docs, the API, errors): everything from our own
 * origin, no framing by other sites, no MIME sniffing, no Referer sent elsewhere. Swagger UI and the dashboard
 * load only their own files (no inline script); inline styles are not needed either. HSTS is left to the TLS proxy.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      styleSrc: ["'self'"],
      scriptSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
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

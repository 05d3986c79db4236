import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** ::ffff:127.0.0.1 (an IPv4 peer on a dual-stack socket) is 127.0.0.1. */
const plain = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/**
 * The address of the client that sent a request. Normally the TCP peer; when the peer is one of `trustedProxies`
 * (TRUST_PROXY), the nearest address in X-Forwarded-For that is not a trusted proxy itself (entries further left
 * were written by the client and prove nothing). 'unknown' outside @hono/node-server (app.request in a unit test).
 */
export function clientAddress(c: Context, trustedProxies: readonly string[] = []): string {
  let peer: string;
  try {
    peer = plain(getConnInfo(c).remote.address ?? 'unknown');
  } catch {
    return 'unknown';
  }
  if (!trustedProxies.includes(peer)) return peer;
  const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((h) => plain(h.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    if (trustedProxies.includes(hops[i])) continue;
    return isIP(hops[i]) ? hops[i] : peer;
  }
  return peer;
}

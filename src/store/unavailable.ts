/**
 * True when an error means "the database server cannot be reached right now" (PostgreSQL restarting, a connection
 * refused, dropped or timed out), as opposed to a bad query or bad data: the API answers it with 503 and
 * Retry-After, and the pool reconnects by itself on a later request.
 */
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Node socket errors, and SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown).
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
    if (/^08/.test(code) || /^57P0[1-3]$/.test(code)) return true;
  }
  // node-postgres reports a lost or timed-out connection with plain Errors.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed/i.test(
    err.message,
  );
}

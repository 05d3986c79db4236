/**
 * Computed results, each remembered with the store stamp it was computed at (ChangeLog.fingerprint, which moves on
 * every write by anyone; or the change-log head, for results that depend on vectors only). An entry serves while
 * the stamp is unchanged, for at most `maxAgeMs`. The pending promise is cached, so concurrent requests for the
 * same key share one computation; a failed one is forgotten. Reading a stamp costs microseconds on SQLite, so even
 * a hit is never stale after a write.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, { stamp: string; at: number; value: Promise<T> }>();

  constructor(
    private readonly stamp: () => Promise<string | number>,
    private readonly maxEntries: number,
    private readonly maxAgeMs = Infinity,
  ) {}

  async get(key: string, compute: () => Promise<T>): Promise<T> {
    const stamp = String(await this.stamp());
    const now = Date.now();
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (hit && hit.stamp === stamp && now - hit.at < this.maxAgeMs) {
      this.entries.set(key, hit); // most recently used last
      return hit.value;
    }
    const value = compute();
    this.entries.set(key, { stamp, at: now, value });
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

/** Count, rate and ETA: redrawn in place on a TTY, a plain log line every few seconds otherwise. */
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private lastPrint = 0;

  constructor(
    private readonly label: string,
    private total: number | undefined,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  add(n: number): void {
    this.done += n;
    const now = Date.now();
    const interval = this.out.isTTY ? 200 : 5000;
    if (now - this.lastPrint >= interval) {
      this.lastPrint = now;
      this.print(false);
    }
  }

  finish(): void {
    this.print(true);
  }

  private print(final: boolean): void {
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const total = this.total ? `/${this.total}` : '';
    const pct = this.total ? ` ${Math.min(100, (100 * this.done) / this.total).toFixed(1)}%` : '';
    const eta = this.total && rate > 0 && !final ? ` ETA ${formatSeconds((this.total - this.done) / rate)}` : '';
    const line = `${this.label}: ${this.done}${total}${pct} ${rate.toFixed(0)}/s${eta} (${formatSeconds(secs)})`;
    if (this.out.isTTY) {
      const width = this.out.columns ?? 80;
      const barWidth = this.total ? Math.max(10, Math.min(30, width - line.length - 4)) : 0;
      const filled = this.total ? Math.round((barWidth * Math.min(this.done, this.total)) / this.total) : 0;
      const bar = barWidth ? ` [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]` : '';
      this.out.write(`\r\x1b[K${line}${bar}${final ? '\n' : ''}`);
    } else {
      this.out.write(`${line}\n`);
    }
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

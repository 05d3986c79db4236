/**
 * Runs the sources on SYNC_SCHEDULE with croner: one job per source (sources on different hosts may run side by
 * side), never two runs of the same source at once. An interval runs right after start and then every interval; a
 * cron expression runs at its times. One log line per run, success or failure, so an offline server logs one line
 * per source per scheduled run and nothing more.
 */
import { EventEmitter } from 'node:events';
import { Cron } from 'croner';
import type { SourceState } from '../../store/ports.js';
import type { SyncSchedule } from './config.js';
import { describeReport, runSource, SourceBusyError, type RunDeps, type RunReport } from './run.js';
import type { DateRange, Source } from './source.js';

export interface SourceStatus extends SourceState {
  running: boolean;
  /** ISO time of the next scheduled run; null when the schedule is off. */
  nextRunAt: string | null;
}

export type RunEvent = { source: string; ok: true; report: RunReport } | { source: string; ok: false; error: string };

export class SourceScheduler extends EventEmitter<{ run: [RunEvent] }> {
  private readonly jobs = new Map<string, Cron>();
  private readonly running = new Map<string, Promise<RunReport>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly sources: Source[],
    private readonly deps: RunDeps,
    private readonly schedule: SyncSchedule,
    private readonly log: (msg: string) => void,
  ) {
    super();
  }

  /** Starts the jobs (no-op when the schedule is off). */
  start(): void {
    if (this.schedule.kind === 'off') return;
    for (const source of this.sources) {
      const pattern = this.schedule.kind === 'cron' ? this.schedule.pattern : '* * * * * *';
      const interval = this.schedule.kind === 'interval' ? this.schedule.seconds : undefined;
      const job = new Cron(pattern, { interval, protect: true, unref: true, catch: true }, async () => {
        // Replicas keep their own interval clocks: a run another one started in the last half interval counts as ours.
        const skipIfRanSince = interval ? new Date(Date.now() - (interval * 1000) / 2) : undefined;
        await this.runNow(source.name, undefined, skipIfRanSince).catch(() => {}); // logged and emitted by runNow
      });
      this.jobs.set(source.name, job);
    }
  }

  /** Runs a source now, or joins its run in progress. Logs one line and emits `run` either way. */
  runNow(name: string, range?: DateRange, skipIfRanSince?: Date): Promise<RunReport> {
    const inFlight = this.running.get(name);
    if (inFlight) return inFlight;
    const source = this.sources.find((s) => s.name === name);
    if (!source) return Promise.reject(new Error(`unknown source ${name}`));
    const run = runSource(source, this.deps, { range, signal: this.abort.signal, skipIfRanSince })
      .then((report) => {
        this.log(describeReport(report));
        this.emit('run', { source: name, ok: true, report });
        return report;
      })
      .catch((err: Error) => {
        const next = this.jobs.get(name)?.nextRun();
        if (err instanceof SourceBusyError) {
          this.log(`sync ${name}: skipped, ${err.message}`); // not a failed run: nothing is counted
          throw err;
        }
        if (this.abort.signal.aborted) this.log(`sync ${name}: stopped by shutdown; the next run resumes from its checkpoint`);
        else this.log(`sync ${name}: failed: ${err.message}${next ? `; next run at ${next.toISOString()}` : ''}`);
        this.emit('run', { source: name, ok: false, error: err.message });
        throw err;
      })
      .finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  /** Each source's stored state (shared by the replicas of one database) and this process's schedule. */
  status(): Promise<SourceStatus[]> {
    return Promise.all(
      this.sources.map(async (s) => ({
        ...(await this.deps.state.get(s.name)),
        running: this.running.has(s.name),
        nextRunAt: this.jobs.get(s.name)?.nextRun()?.toISOString() ?? null,
      })),
    );
  }

  /** The sources this scheduler runs. */
  names(): string[] {
    return this.sources.map((s) => s.name);
  }

  /** Stops the jobs, aborts runs in progress (their cursor is saved after each page) and waits for them. */
  async stop(): Promise<void> {
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }
}

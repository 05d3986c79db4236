// npm run sync [-- --source arxiv|hf --from YYYY-MM-DD --until YYYY-MM-DD]: one run of the built-in sources (or a
// backfill of the given days), with the ingest CLI's progress display. Works while the server runs.
import { z } from 'zod';
import { loadConfig } from '../config.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { explainStoreError } from '../store/explain.js';
import { Progress } from './progress.js';
import { buildSources, sourceDeps, sourceEngineOf } from './sources/build.js';
import { SOURCE_NAMES } from './sources/config.js';
import { describeReport, runSource } from './sources/run.js';

const USAGE = 'usage: npm run sync [-- --source arxiv|hf] [--from YYYY-MM-DD] [--until YYYY-MM-DD]';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a real date');
const Args = z
  .object({ source: z.enum(SOURCE_NAMES).optional(), from: Day.optional(), until: Day.optional() })
  .strict()
  .refine((a) => !a.until || a.from, { message: '--until needs --from', path: ['until'] })
  .refine((a) => !a.from || !a.until || a.from <= a.until, { message: '--from must not be after --until', path: ['from'] });

function parseArgs(argv: string[]): z.infer<typeof Args> {
  const raw: Record<string, string> = {};
  const rest = argv.filter((a) => a !== '--');
  if (rest.includes('--help')) {
    console.error(USAGE);
    process.exit(0);
  }
  for (let i = 0; i < rest.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(rest[i]);
    if (!m) {
      console.error(`unexpected argument ${rest[i]}\n${USAGE}`);
      process.exit(2);
    }
    raw[m[1]] = m[2] ?? rest[++i] ?? '';
  }
  const parsed = Args.safeParse(raw);
  if (!parsed.success) {
    console.error(`${parsed.error.issues.map((i) => `--${i.path.join('.') || 'arguments'}: ${i.message}`).join('\n')}\n${USAGE}`);
    process.exit(2);
  }
  return parsed.data;
}

const args = parseArgs(process.argv.slice(2));
let runtime: Runtime | undefined;
try {
  const config = loadConfig();
  runtime = await openRuntime(config, (m) => console.error(m));
  const engine = sourceEngineOf(runtime);
  const names = args.source ? [args.source] : config.SYNC_SOURCES;
  const sources = buildSources(config, names, {
    onRetry: (r) => console.error(`retrying ${r.url} in ${(r.waitMs / 1000).toFixed(1)} s (attempt ${r.attempt}: ${r.reason})`),
  });
  const deps = sourceDeps(engine);
  const range = args.from ? { from: args.from, until: args.until ?? new Date().toISOString().slice(0, 10) } : undefined;
  let failed = 0;
  for (const source of sources) {
    let progress: Progress | undefined;
    try {
      const report = await runSource(source, deps, {
        range,
        onPage: (page) => {
          progress ??= new Progress(`sync ${source.name}`, page.total);
          progress.add(page.papers.length + page.rejected.length + page.deleted.length + page.skipped);
        },
      });
      progress?.finish();
      console.log(describeReport(report));
      for (const r of report.rejected.slice(0, 20)) console.error(`rejected ${source.name} ${r.id}: ${r.reason}`);
    } catch (err) {
      progress?.finish();
      failed++;
      console.error(`sync ${source.name} failed: ${(err as Error).message} (the next run resumes where this one stopped)`);
    }
  }
  // Bring the saved index up to date, so the next server start loads instead of rebuilding.
  await runtime.index.load(runtime.embedder.ready);
  console.log(`store has ${await runtime.engine.papers.count()} papers`);
  await runtime.close();
  process.exit(failed ? 1 : 0);
} catch (err) {
  console.error(`sync failed: ${explainStoreError(err)}`);
  await runtime?.embedder.close().catch(() => {});
  process.exit(1);
}

// Compiles the server (src/**/*.ts → dist/**/*.js, one file each, ES modules for Node 20) and copies its plain-JS
// modules (*.mjs), so `npm start` and the `paperfeed` bin run plain `node` without the TypeScript loader. Files are
// kept one to one (no bundle): worker threads start their sibling entries by URL (src/util/worker.ts siblingEntry,
// worker-embedder.ts), and PROJECT_ROOT is one level above dist/ as it is above src/. Run by `npm run build`
// (postinstall); it takes about a second. Type-checking stays with `tsc --noEmit` (npm test).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');
export const SERVER_DIST = path.join(ROOT, 'dist');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Builds dist/ from scratch in a temp folder, swapped in by rename: a running server never sees half a build. */
export async function buildServer(): Promise<{ files: number }> {
  const all = filesUnder(SRC);
  const sources = all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.d.mts'));
  const plain = all.filter((f) => f.endsWith('.mjs'));
  const tmp = `${SERVER_DIST}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await build({
    entryPoints: sources,
    outdir: tmp,
    outbase: SRC,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const f of plain) {
    const to = path.join(tmp, path.relative(SRC, f));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(f, to);
  }
  fs.rmSync(SERVER_DIST, { recursive: true, force: true });
  fs.renameSync(tmp, SERVER_DIST);
  return { files: sources.length + plain.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  try {
    const { files } = await buildServer();
    console.log(`[build-server] ${SERVER_DIST}: ${files} modules in ${(performance.now() - t0).toFixed(0)} ms`);
  } catch (err) {
    console.error(`[build-server] failed: ${(err as Error).message}`);
    process.exit(1);
  }
}

// Bundles the dashboard (web/src → web/dist): index.html, assets/app.js (TypeScript + Chart.js, minified) and
// assets/app.css. Run by `npm run build:web`, postinstall and prestart; it takes well under a second.
// Type-checking the front end is separate: `tsc --noEmit -p web` (web/ has its own tsconfig with DOM types).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB = fileURLToPath(new URL('../web', import.meta.url));
export const WEB_DIST = path.join(WEB, 'dist');

/** Builds web/dist from scratch (into a temp folder, swapped in by rename: a running server never sees half a build). */
export async function buildWeb(): Promise<{ files: string[]; bytes: number }> {
  const tmp = `${WEB_DIST}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await build({
    entryPoints: { app: path.join(WEB, 'src/main.ts') },
    outdir: path.join(tmp, 'assets'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    legalComments: 'linked', // Chart.js's MIT notice goes to app.js.LEGAL.txt
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(WEB, 'src/index.html'), path.join(tmp, 'index.html'));
  fs.copyFileSync(path.join(WEB, 'src/favicon.svg'), path.join(tmp, 'assets/favicon.svg'));
  fs.rmSync(WEB_DIST, { recursive: true, force: true });
  fs.renameSync(tmp, WEB_DIST);
  const files = [...fs.readdirSync(WEB_DIST), ...fs.readdirSync(path.join(WEB_DIST, 'assets')).map((f) => `assets/${f}`)].filter((f) => f !== 'assets');
  const bytes = files.reduce((sum, f) => sum + fs.statSync(path.join(WEB_DIST, f)).size, 0);
  return { files, bytes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  try {
    const { files, bytes } = await buildWeb();
    console.log(`[build-web] ${WEB_DIST}: ${files.join(', ')} (${(bytes / 1024).toFixed(0)} KB) in ${(performance.now() - t0).toFixed(0)} ms`);
  } catch (err) {
    console.error('[build-web] failed:', err);
    process.exit(1);
  }
}

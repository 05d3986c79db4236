// npm run pack:model -- <trained model name> [--base glove-sif-100d] [--command "…"]
// Packs models/<name> into assets/models/<name> (committed), from which `npm install` rebuilds it.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { packModel } from '../src/embed/packed-model.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { base: { type: 'string', default: 'glove-sif-100d' }, command: { type: 'string' }, data: { type: 'string' } },
});
const name = positionals[0];
if (!name) {
  console.error('usage: npm run pack:model -- <model name> [--base glove-sif-100d] [--command "how it was trained"] [--data "what it was trained on"]');
  process.exit(2);
}
const config = loadConfig();
const asset = path.join(PROJECT_ROOT, 'assets', 'models', name);
packModel(path.join(config.MODELS_DIR, name), path.join(config.MODELS_DIR, values.base!), asset, {
  name,
  trainingCommand: values.command ?? null,
  trainingData: values.data ?? null,
});
console.log(`packed models/${name} into ${asset}`);

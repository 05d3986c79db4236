import { readFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Reads a static model folder (as written by writeModelFolder): vocabulary by id and the float32 table. */
export function readStaticModel(dir: string): { vocab: string[]; table: Float32Array; dim: number } {
  const tokenizer = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  const ids = tokenizer.model.vocab as Record<string, number>;
  const vocab: string[] = [];
  for (const [word, id] of Object.entries(ids)) vocab[id] = word;
  const model = onnx.ModelProto.decode(readFileSync(path.join(dir, 'onnx', 'model.onnx')));
  const init = model.graph?.initializer?.find((t) => t.name === 'embeddings');
  if (!init?.rawData || !init.dims || init.dims.length !== 2) throw new Error(`${dir} is not a static model (no embeddings table)`);
  const dim = Number(init.dims[1]);
  const bytes = init.rawData;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const table = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < table.length; i++) table[i] = view.getFloat32(i * 4, true);
  if (table.length !== vocab.length * dim) throw new Error(`${dir}: table has ${table.length / dim} rows, vocabulary ${vocab.length}`);
  return { vocab, table, dim };
}

export interface PipelineOptions {
  modelId: string;
  modelsDir: string;
  allowRemote?: boolean;
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  pooling?: 'mean' | 'cls';
  batchSize?: number;
}

/** The loaded model: its output dimension and text → unit-length vectors (in the caller's order). */
export interface LoadedPipeline {
  dim: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

export function loadPipeline(opts: PipelineOptions): Promise<LoadedPipeline>;

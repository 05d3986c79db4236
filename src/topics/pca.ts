export interface Projection {
  mean: Float64Array;
  /** Two unit-length principal axes, row-major (2 × dim). */
  axes: Float64Array;
}

/**
 * The top two principal axes of weighted rows, by power iteration with deflation on the dim × dim covariance
 * (dim is ~100–1000, so this is cheap and exact enough). Deterministic: a fixed start vector and a sign
 * convention (each axis's largest component is positive). Rows with weight 0 are ignored.
 */
export function fitPca2(rows: Float32Array, dim: number, weights?: Float64Array): Projection {
  const n = rows.length / dim;
  const w = (i: number) => (weights ? weights[i] : 1);
  const mean = new Float64Array(dim);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += w(i);
    for (let j = 0; j < dim; j++) mean[j] += w(i) * rows[i * dim + j];
  }
  if (total > 0) for (let j = 0; j < dim; j++) mean[j] /= total;

  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    if (w(i) === 0) continue;
    for (let j = 0; j < dim; j++) centred[j] = rows[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ca = w(i) * centred[a];
      for (let b = a; b < dim; b++) cov[a * dim + b] += ca * centred[b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a];

  const axes = new Float64Array(2 * dim);
  for (let axis = 0; axis < 2; axis++) {
    const v = powerIteration(cov, dim, axis, axis === 0 ? [] : [axes.subarray(0, dim)]);
    axes.set(v, axis * dim);
    // Deflate: remove this axis's variance so the next iteration finds the second axis.
    const lambda = rayleigh(cov, v, dim);
    for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b] -= lambda * v[a] * v[b];
  }
  return { mean, axes };
}

function matVec(m: Float64Array, v: Float64Array, dim: number): Float64Array {
  const out = new Float64Array(dim);
  for (let a = 0; a < dim; a++) {
    let s = 0;
    for (let b = 0; b < dim; b++) s += m[a * dim + b] * v[b];
    out[a] = s;
  }
  return out;
}

function rayleigh(m: Float64Array, v: Float64Array, dim: number): number {
  const mv = matVec(m, v, dim);
  let s = 0;
  for (let a = 0; a < dim; a++) s += v[a] * mv[a];
  return s;
}

function normalize(v: Float64Array): number {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return norm;
}

/** Removes the components along earlier (unit) axes, so every axis is orthogonal to the ones before it. */
function orthogonalize(v: Float64Array, previous: Float64Array[]): void {
  for (const p of previous) {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i] * p[i];
    for (let i = 0; i < v.length; i++) v[i] -= s * p[i];
  }
}

function powerIteration(cov: Float64Array, dim: number, salt: number, previous: Float64Array[]): Float64Array {
  let v: Float64Array = Float64Array.from({ length: dim }, (_, i) => 1 + ((i * 7919 + salt * 104729) % 97) / 97);
  orthogonalize(v, previous);
  normalize(v);
  for (let iter = 0; iter < 500; iter++) {
    const next = matVec(cov, v, dim);
    orthogonalize(next, previous);
    if (normalize(next) === 0) break; // no variance left (e.g. two centroids only span one axis)
    let delta = 0;
    for (let i = 0; i < dim; i++) delta = Math.max(delta, Math.abs(next[i] - v[i]));
    v = next;
    if (delta < 1e-9) break;
  }
  let largest = 0;
  for (let i = 0; i < dim; i++) if (Math.abs(v[i]) > Math.abs(v[largest])) largest = i;
  if (v[largest] < 0) for (let i = 0; i < dim; i++) v[i] = -v[i];
  return v;
}

/** Projects rows onto the two axes: x, y per row. */
export function project(rows: Float32Array, dim: number, p: Projection): Float32Array {
  const n = rows.length / dim;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let axis = 0; axis < 2; axis++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += (rows[i * dim + j] - p.mean[j]) * p.axes[axis * dim + j];
      out[2 * i + axis] = s;
    }
  }
  return out;
}

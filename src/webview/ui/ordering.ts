/**
 * Orders of the heatmap's rows. Values are (T, H) row-major: values[t * H + i] = h[t][i].
 * All three are deterministic: ties keep the neuron index order.
 */
import type { Ordering } from './panel-state';

export function orderNeurons(values: Float32Array, T: number, H: number, ordering: Ordering): Int32Array {
  const order = Int32Array.from({ length: H }, (_, i) => i);
  if (ordering === 'index' || T < 2) return order;
  const score = ordering === 'variance' ? variances(values, T, H) : principalScores(values, T, H);
  // highest score first
  return order.sort((a, b) => score[b] - score[a] || a - b);
}

/** Per neuron, the mean and the variance of its activation over the text. */
function moments(values: Float32Array, T: number, H: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(H);
  const variance = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const row = t * H;
    for (let i = 0; i < H; i++) mean[i] += values[row + i];
  }
  for (let i = 0; i < H; i++) mean[i] /= T;
  for (let t = 0; t < T; t++) {
    const row = t * H;
    for (let i = 0; i < H; i++) {
      const d = values[row + i] - mean[i];
      variance[i] += d * d;
    }
  }
  for (let i = 0; i < H; i++) variance[i] /= T;
  return { mean, variance };
}

function variances(values: Float32Array, T: number, H: number): Float64Array {
  return moments(values, T, H).variance;
}

/**
 * "Clustered": each neuron's activations over the text are standardized (so that only their correlation
 * counts), and neurons are sorted by their projection on the first principal direction (power iteration
 * from a fixed start). Neurons that rise and fall together land next to each other, anti-correlated ones
 * at the other end, constant ones in the middle.
 */
function principalScores(values: Float32Array, T: number, H: number): Float64Array {
  const { mean, variance } = moments(values, T, H);
  const invStd = new Float64Array(H);
  for (let i = 0; i < H; i++) invStd[i] = variance[i] > 1e-12 ? 1 / Math.sqrt(variance[i]) : 0;
  // Z (T, H): standardized values
  const Z = new Float32Array(T * H);
  for (let t = 0; t < T; t++) {
    const row = t * H;
    for (let i = 0; i < H; i++) Z[row + i] = (values[row + i] - mean[i]) * invStd[i];
  }
  // power iteration on Z^T Z (H, H) without forming it: w <- Z^T (Z w), w in neuron space
  let w = new Float64Array(H);
  let seed = 12345;
  for (let i = 0; i < H; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    w[i] = seed / 4294967296 - 0.5;
  }
  normalize(w);
  const zw = new Float64Array(T); // (T)
  for (let iter = 0; iter < 40; iter++) {
    for (let t = 0; t < T; t++) {
      const row = t * H;
      let s = 0;
      for (let i = 0; i < H; i++) s += Z[row + i] * w[i];
      zw[t] = s;
    }
    const next = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      const row = t * H;
      const s = zw[t];
      for (let i = 0; i < H; i++) next[i] += Z[row + i] * s;
    }
    if (normalize(next) === 0) break;
    let change = 0;
    for (let i = 0; i < H; i++) change = Math.max(change, Math.abs(next[i] - w[i]));
    w = next;
    if (change < 1e-6) break;
  }
  // the sign of an eigenvector is arbitrary: make its largest component positive
  let big = 0;
  for (let i = 1; i < H; i++) if (Math.abs(w[i]) > Math.abs(w[big])) big = i;
  if (w[big] < 0) for (let i = 0; i < H; i++) w[i] = -w[i];
  return w;
}

function normalize(v: Float64Array): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return n;
}

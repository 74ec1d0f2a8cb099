/**
 * The dense kernels the model needs, behind one interface so that a faster backend (WebAssembly SIMD)
 * can drop in. Every matrix is row-major in a Float32Array view.
 *
 * There is one product, in the layout llm.c uses for `matmul_forward`: out = A @ B^T, so that both
 * operands are read along contiguous rows. Every product of the forward and backward passes is written
 * in this form (transposing an operand once where needed).
 *
 * `referenceKernels` is the plain implementation the tests check against; `fastKernels` is the
 * register-tiled one used by default. The element-wise kernels (tanh, softmax cross-entropy) are the
 * same plain loops in both; a WebAssembly backend brings its own.
 */

/** Parameters are float32 in production; the gradient check runs the same code in float64. */
export type FloatArray = Float32Array | Float64Array;

/**
 * What a backend whose arrays live in one shared memory gives worker threads, so that they run the same
 * kernels on the same arrays (the WebAssembly backend; absent for the JavaScript ones, which train on
 * one thread).
 */
export interface SharedKernelMemory {
  /** the memory every array from alloc* lives in */
  readonly memory: WebAssembly.Memory;
  /** which build of the module a worker instantiates on it */
  readonly variant: 'simd' | 'relaxed-simd';
  /** the most bytes the memory can grow to */
  readonly maxBytes: number;
  /** True when `a` is a view into this memory (its address is then its byte offset). */
  owns(a: { buffer: ArrayBufferLike }): boolean;
}

export interface Kernels {
  readonly name: string;
  /** present when worker threads can share this backend's memory (see SharedKernelMemory) */
  readonly shared?: SharedKernelMemory;
  /**
   * Zeroed arrays the kernels work on at full speed (inside WebAssembly memory for that backend).
   * Arrays from elsewhere work too, through a slower path.
   */
  allocF32(n: number): Float32Array;
  allocI32(n: number): Int32Array;
  allocU8(n: number): Uint8Array;
  /** Gives back an array from alloc* (nothing to do for the JavaScript backends). */
  free(a: Float32Array | Int32Array | Uint8Array): void;
  /**
   * out (M, N) = A (M, K) @ B (N, K)^T, or out += A @ B^T when `accumulate`.
   * Sums are formed in float64 and rounded once when stored.
   */
  matmulABt(out: FloatArray, A: FloatArray, B: FloatArray, M: number, N: number, K: number, accumulate: boolean): void;
  /** out (N, M) = A (M, N)^T */
  transpose(out: FloatArray, A: FloatArray, M: number, N: number): void;
  /** h[i] = tanh(a[i] + b[i]) for i < n (h may be a) */
  addTanh(h: FloatArray, a: FloatArray, b: FloatArray, n: number): void;
  /**
   * Softmax cross-entropy over N rows of V logits (llm.c's `crossentropy_forward` with its softmax):
   * probs (N, V) holds the logits without bias on entry and p = softmax(logits + by) on exit.
   * Returns sum_n weights[n] * -log p[n, targets[n]] over rows with a positive weight; rows with
   * weight 0 need no valid target.
   */
  softmaxCrossEntropy(probs: FloatArray, by: FloatArray, targets: Int32Array, weights: Float32Array, N: number, V: number): number;
  /**
   * Direct connections' forward (direct-connections.ts): out (N, V) row n = the sum of the R rows
   * table[rows[n * R + r]] (V each) for r < R.
   */
  sumRows(out: Float32Array, table: Float32Array, rows: Int32Array, N: number, R: number, V: number): void;
  /**
   * Their sparse gradient: grad[slots[n * R + r]] (V) += scale * dy[n] (V) for every n < N with
   * weights[n] != 0 and r < R.
   */
  scatterAddRows(grad: Float32Array, slots: Int32Array, dy: Float32Array, weights: Float32Array, N: number, R: number, V: number, scale: number): void;
  /**
   * Row-wise Adagrad on `count` rows: for row k (table row rows[k], gradient grad[k] (V)),
   * acc[row] += mean(grad[k]^2), table[row] -= lr / sqrt(acc[row] + 1e-10) * grad[k].
   */
  adagradRows(table: Float32Array, acc: Float32Array, grad: Float32Array, rows: Int32Array, count: number, V: number, lr: number): void;
}

/** The row kernels of the direct connections: one implementation, shared by the JavaScript backends. */
const rowKernels = {
  sumRows(out: Float32Array, table: Float32Array, rows: Int32Array, N: number, R: number, V: number): void {
    for (let n = 0; n < N; n++) {
      const o = n * V;
      const first = rows[n * R] * V;
      for (let v = 0; v < V; v++) out[o + v] = table[first + v];
      for (let r = 1; r < R; r++) {
        const base = rows[n * R + r] * V;
        for (let v = 0; v < V; v++) out[o + v] += table[base + v];
      }
    }
  },
  scatterAddRows(grad: Float32Array, slots: Int32Array, dy: Float32Array, weights: Float32Array, N: number, R: number, V: number, scale: number): void {
    for (let n = 0; n < N; n++) {
      if (weights[n] === 0) continue;
      const d = n * V;
      for (let r = 0; r < R; r++) {
        const base = slots[n * R + r] * V;
        for (let v = 0; v < V; v++) grad[base + v] += scale * dy[d + v];
      }
    }
  },
  adagradRows(table: Float32Array, acc: Float32Array, grad: Float32Array, rows: Int32Array, count: number, V: number, lr: number): void {
    for (let k = 0; k < count; k++) {
      const g = k * V;
      let sq = 0;
      for (let v = 0; v < V; v++) sq += grad[g + v] * grad[g + v];
      const row = rows[k];
      const a = Math.fround(acc[row] + sq / V);
      acc[row] = a;
      const step = lr / Math.sqrt(a + 1e-10);
      const base = row * V;
      for (let v = 0; v < V; v++) table[base + v] -= step * grad[g + v];
    }
  },
};

/** The element-wise kernels: one implementation, shared by the JavaScript backends. */
function addTanh(h: FloatArray, a: FloatArray, b: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) h[i] = Math.tanh(a[i] + b[i]);
}

function softmaxCrossEntropy(probs: FloatArray, by: FloatArray, targets: Int32Array, weights: Float32Array, N: number, V: number): number {
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const row = n * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      const y = probs[row + v] + by[v];
      probs[row + v] = y;
      if (y > max) max = y;
    }
    const w = weights[n];
    const yTarget = w > 0 ? probs[row + targets[n]] : 0;
    let sum = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp(probs[row + v] - max);
      probs[row + v] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let v = 0; v < V; v++) probs[row + v] *= inv;
    // -log p[target] from the logits rather than the rounded probability, so that it stays finite
    if (w > 0) loss += w * (max + Math.log(sum) - yTarget);
  }
  return loss;
}

/** The plain triple loop: the definition the fast kernels are tested against. */
const jsAllocation = {
  allocF32: (n: number) => new Float32Array(n),
  allocI32: (n: number) => new Int32Array(n),
  allocU8: (n: number) => new Uint8Array(n),
  free: () => undefined,
};

export const referenceKernels: Kernels = {
  name: 'reference',
  ...jsAllocation,
  ...rowKernels,
  matmulABt(out, A, B, M, N, K, accumulate) {
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = accumulate ? out[m * N + n] : 0;
        let dot = 0;
        for (let k = 0; k < K; k++) dot += A[m * K + k] * B[n * K + k];
        s += dot;
        out[m * N + n] = s;
      }
    }
  },
  transpose(out, A, M, N) {
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) out[n * M + m] = A[m * N + n];
  },
  addTanh,
  softmaxCrossEntropy,
};

/**
 * Register-tiled A @ B^T: 4 rows of A by 4 rows of B per tile (16 float64 accumulators), then 1 x 4
 * tiles for the rows of A left over, then single dot products for the rows of B left over.
 * Measured here at about 3 GMAC/s for (32 x 256) @ (256 x 256)^T, 3x the plain loop.
 */
function fastMatmulABt(out: FloatArray, A: FloatArray, B: FloatArray, M: number, N: number, K: number, accumulate: boolean): void {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let m = 0; m < M4; m += 4) {
    const a0 = m * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    const o0 = m * N, o1 = o0 + N, o2 = o1 + N, o3 = o2 + N;
    for (let n = 0; n < N4; n += 4) {
      const b0 = n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
        const y0 = B[b0 + k], y1 = B[b1 + k], y2 = B[b2 + k], y3 = B[b3 + k];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      if (accumulate) {
        out[o0 + n] += c00; out[o0 + n + 1] += c01; out[o0 + n + 2] += c02; out[o0 + n + 3] += c03;
        out[o1 + n] += c10; out[o1 + n + 1] += c11; out[o1 + n + 2] += c12; out[o1 + n + 3] += c13;
        out[o2 + n] += c20; out[o2 + n + 1] += c21; out[o2 + n + 2] += c22; out[o2 + n + 3] += c23;
        out[o3 + n] += c30; out[o3 + n + 1] += c31; out[o3 + n + 2] += c32; out[o3 + n + 3] += c33;
      } else {
        out[o0 + n] = c00; out[o0 + n + 1] = c01; out[o0 + n + 2] = c02; out[o0 + n + 3] = c03;
        out[o1 + n] = c10; out[o1 + n + 1] = c11; out[o1 + n + 2] = c12; out[o1 + n + 3] = c13;
        out[o2 + n] = c20; out[o2 + n + 1] = c21; out[o2 + n + 2] = c22; out[o2 + n + 3] = c23;
        out[o3 + n] = c30; out[o3 + n + 1] = c31; out[o3 + n + 2] = c32; out[o3 + n + 3] = c33;
      }
    }
    for (let n = N4; n < N; n++) {
      const b0 = n * K;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let k = 0; k < K; k++) {
        const y = B[b0 + k];
        c0 += A[a0 + k] * y; c1 += A[a1 + k] * y; c2 += A[a2 + k] * y; c3 += A[a3 + k] * y;
      }
      if (accumulate) { out[o0 + n] += c0; out[o1 + n] += c1; out[o2 + n] += c2; out[o3 + n] += c3; }
      else { out[o0 + n] = c0; out[o1 + n] = c1; out[o2 + n] = c2; out[o3 + n] = c3; }
    }
  }
  for (let m = M4; m < M; m++) {
    const a0 = m * K;
    const o0 = m * N;
    for (let n = 0; n < N4; n += 4) {
      const b0 = n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let k = 0; k < K; k++) {
        const x = A[a0 + k];
        c0 += x * B[b0 + k]; c1 += x * B[b1 + k]; c2 += x * B[b2 + k]; c3 += x * B[b3 + k];
      }
      if (accumulate) { out[o0 + n] += c0; out[o0 + n + 1] += c1; out[o0 + n + 2] += c2; out[o0 + n + 3] += c3; }
      else { out[o0 + n] = c0; out[o0 + n + 1] = c1; out[o0 + n + 2] = c2; out[o0 + n + 3] = c3; }
    }
    for (let n = N4; n < N; n++) {
      const b0 = n * K;
      let c = 0;
      for (let k = 0; k < K; k++) c += A[a0 + k] * B[b0 + k];
      if (accumulate) out[o0 + n] += c; else out[o0 + n] = c;
    }
  }
}

/** Transpose in 8 x 8 blocks, so that both the reads and the writes stay within a few cache lines. */
function fastTranspose(out: FloatArray, A: FloatArray, M: number, N: number): void {
  const BS = 8;
  for (let m0 = 0; m0 < M; m0 += BS) {
    const m1 = Math.min(m0 + BS, M);
    for (let n0 = 0; n0 < N; n0 += BS) {
      const n1 = Math.min(n0 + BS, N);
      for (let m = m0; m < m1; m++) {
        const row = m * N;
        for (let n = n0; n < n1; n++) out[n * M + m] = A[row + n];
      }
    }
  }
}

export const fastKernels: Kernels = {
  name: 'js-tiled',
  ...jsAllocation,
  ...rowKernels,
  matmulABt: fastMatmulABt,
  transpose: fastTranspose,
  addTanh,
  softmaxCrossEntropy,
};

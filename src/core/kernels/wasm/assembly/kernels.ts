// The WebAssembly SIMD kernels (AssemblyScript), compiled at build time by scripts/build-wasm.mjs into
// two variants: plain SIMD, and relaxed SIMD with fused multiply-add where the runtime has it.
// They implement src/core/kernels.ts's interface over pointers into the shared linear memory; every
// buffer lives above __heap_base (AssemblyScript keeps its math tables below it).
//
// Every output element of matmulABt is computed in the same order whatever tile it falls in (four lanes
// over k in steps of 4, the lanes summed as (l0 + l1) + (l2 + l3), then the k % 4 tail), so a row's
// result does not depend on M, N or how a batch is split between threads.

/** The first byte free for the host's buffers. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// @ts-ignore: decorator
@inline function tail(s: f32, a: usize, b: usize, k0: i32, K: i32): f32 {
  for (let k = k0; k < K; k++) s += load<f32>(a + (<usize>k << 2)) * load<f32>(b + (<usize>k << 2));
  return s;
}

// @ts-ignore: decorator
@inline function put(p: usize, s: f32, accumulate: bool): void {
  store<f32>(p, accumulate ? load<f32>(p) + s : s);
}

/** out (M, N) = A (M, K) @ B (N, K)^T, or += when accumulate. */
export function matmulABt(out: usize, A: usize, B: usize, M: i32, N: i32, K: i32, accumulate: bool): void {
  const K4 = K & ~3;
  const rowA = <usize>K << 2;
  const rowOut = <usize>N << 2;
  let m = 0;
  for (; m + 2 <= M; m += 2) {
    const a0 = A + <usize>m * rowA, a1 = a0 + rowA;
    const o0 = out + <usize>m * rowOut, o1 = o0 + rowOut;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const b0 = B + <usize>n * rowA, b1 = b0 + rowA, b2 = b1 + rowA, b3 = b2 + rowA;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
        const y0 = v128.load(b0 + o), y1 = v128.load(b1 + o), y2 = v128.load(b2 + o), y3 = v128.load(b3 + o);
        c00 = madd(x0, y0, c00); c01 = madd(x0, y1, c01); c02 = madd(x0, y2, c02); c03 = madd(x0, y3, c03);
        c10 = madd(x1, y0, c10); c11 = madd(x1, y1, c11); c12 = madd(x1, y2, c12); c13 = madd(x1, y3, c13);
      }
      const p0 = o0 + (<usize>n << 2), p1 = o1 + (<usize>n << 2);
      put(p0, tail(hsum(c00), a0, b0, K4, K), accumulate);
      put(p0 + 4, tail(hsum(c01), a0, b1, K4, K), accumulate);
      put(p0 + 8, tail(hsum(c02), a0, b2, K4, K), accumulate);
      put(p0 + 12, tail(hsum(c03), a0, b3, K4, K), accumulate);
      put(p1, tail(hsum(c10), a1, b0, K4, K), accumulate);
      put(p1 + 4, tail(hsum(c11), a1, b1, K4, K), accumulate);
      put(p1 + 8, tail(hsum(c12), a1, b2, K4, K), accumulate);
      put(p1 + 12, tail(hsum(c13), a1, b3, K4, K), accumulate);
    }
    for (; n < N; n++) {
      const b0 = B + <usize>n * rowA;
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        const y0 = v128.load(b0 + o);
        c0 = madd(v128.load(a0 + o), y0, c0);
        c1 = madd(v128.load(a1 + o), y0, c1);
      }
      put(o0 + (<usize>n << 2), tail(hsum(c0), a0, b0, K4, K), accumulate);
      put(o1 + (<usize>n << 2), tail(hsum(c1), a1, b0, K4, K), accumulate);
    }
  }
  for (; m < M; m++) {
    const a0 = A + <usize>m * rowA;
    const o0 = out + <usize>m * rowOut;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const b0 = B + <usize>n * rowA, b1 = b0 + rowA, b2 = b1 + rowA, b3 = b2 + rowA;
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        const x0 = v128.load(a0 + o);
        c0 = madd(x0, v128.load(b0 + o), c0);
        c1 = madd(x0, v128.load(b1 + o), c1);
        c2 = madd(x0, v128.load(b2 + o), c2);
        c3 = madd(x0, v128.load(b3 + o), c3);
      }
      const p0 = o0 + (<usize>n << 2);
      put(p0, tail(hsum(c0), a0, b0, K4, K), accumulate);
      put(p0 + 4, tail(hsum(c1), a0, b1, K4, K), accumulate);
      put(p0 + 8, tail(hsum(c2), a0, b2, K4, K), accumulate);
      put(p0 + 12, tail(hsum(c3), a0, b3, K4, K), accumulate);
    }
    for (; n < N; n++) {
      const b0 = B + <usize>n * rowA;
      let c0 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        c0 = madd(v128.load(a0 + o), v128.load(b0 + o), c0);
      }
      put(o0 + (<usize>n << 2), tail(hsum(c0), a0, b0, K4, K), accumulate);
    }
  }
}

/** out (N, M) = A (M, N)^T, in 8 x 8 blocks. */
export function transpose(out: usize, A: usize, M: i32, N: i32): void {
  for (let m0 = 0; m0 < M; m0 += 8) {
    const m1 = min(m0 + 8, M);
    for (let n0 = 0; n0 < N; n0 += 8) {
      const n1 = min(n0 + 8, N);
      for (let m = m0; m < m1; m++) {
        const row = A + ((<usize>m * <usize>N) << 2);
        for (let n = n0; n < n1; n++) store<f32>(out + ((<usize>n * <usize>M + <usize>m) << 2), load<f32>(row + (<usize>n << 2)));
      }
    }
  }
}

/** h[i] = tanh(a[i] + b[i]) */
export function addTanh(h: usize, a: usize, b: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(h + o, Mathf.tanh(load<f32>(a + o) + load<f32>(b + o)));
  }
}

/**
 * probs (N, V): logits on entry, softmax(logits + by) on exit. Returns sum over rows with positive
 * weight of weight * -log p[target].
 */
export function softmaxCrossEntropy(probs: usize, by: usize, targets: usize, weights: usize, N: i32, V: i32): f64 {
  let loss: f64 = 0;
  for (let n = 0; n < N; n++) {
    const row = probs + ((<usize>n * <usize>V) << 2);
    let max: f32 = -Infinity;
    for (let v = 0; v < V; v++) {
      const p = row + (<usize>v << 2);
      const y = load<f32>(p) + load<f32>(by + (<usize>v << 2));
      store<f32>(p, y);
      if (y > max) max = y;
    }
    const w = load<f32>(weights + (<usize>n << 2));
    const yTarget: f32 = w > 0 ? load<f32>(row + (<usize>load<i32>(targets + (<usize>n << 2)) << 2)) : 0;
    let sum: f64 = 0;
    for (let v = 0; v < V; v++) {
      const p = row + (<usize>v << 2);
      const e = Mathf.exp(load<f32>(p) - max);
      store<f32>(p, e);
      sum += <f64>e;
    }
    const inv = <f32>(1 / sum);
    for (let v = 0; v < V; v++) {
      const p = row + (<usize>v << 2);
      store<f32>(p, load<f32>(p) * inv);
    }
    if (w > 0) loss += <f64>w * (<f64>max + Math.log(sum) - <f64>yTarget);
  }
  return loss;
}

// ---- the direct connections' rows (src/core/direct.ts) ---------------------------------------------

/** out (N, V) row n = sum over r < R of table row rows[n * R + r] */
export function sumRows(out: usize, table: usize, rows: usize, N: i32, R: i32, V: i32): void {
  const V4 = V & ~3;
  const rowBytes = <usize>V << 2;
  for (let n = 0; n < N; n++) {
    const o = out + <usize>n * rowBytes;
    const first = table + <usize>load<i32>(rows + (<usize>(n * R) << 2)) * rowBytes;
    memory.copy(o, first, rowBytes);
    for (let r = 1; r < R; r++) {
      const src = table + <usize>load<i32>(rows + (<usize>(n * R + r) << 2)) * rowBytes;
      let v = 0;
      for (; v < V4; v += 4) {
        const p = <usize>v << 2;
        v128.store(o + p, f32x4.add(v128.load(o + p), v128.load(src + p)));
      }
      for (; v < V; v++) {
        const p = <usize>v << 2;
        store<f32>(o + p, load<f32>(o + p) + load<f32>(src + p));
      }
    }
  }
}

/** grad row slots[n * R + r] (V) += scale * dy row n (V), for n with weights[n] != 0 */
export function scatterAddRows(grad: usize, slots: usize, dy: usize, weights: usize, N: i32, R: i32, V: i32, scale: f32): void {
  const V4 = V & ~3;
  const rowBytes = <usize>V << 2;
  const s4 = f32x4.splat(scale);
  for (let n = 0; n < N; n++) {
    if (load<f32>(weights + (<usize>n << 2)) == 0) continue;
    const d = dy + <usize>n * rowBytes;
    for (let r = 0; r < R; r++) {
      const g = grad + <usize>load<i32>(slots + (<usize>(n * R + r) << 2)) * rowBytes;
      let v = 0;
      for (; v < V4; v += 4) {
        const p = <usize>v << 2;
        v128.store(g + p, madd(s4, v128.load(d + p), v128.load(g + p)));
      }
      for (; v < V; v++) {
        const p = <usize>v << 2;
        store<f32>(g + p, load<f32>(g + p) + scale * load<f32>(d + p));
      }
    }
  }
}

/** Row-wise Adagrad: acc[row] += mean(g^2), table row -= lr / sqrt(acc[row] + 1e-10) * g */
export function adagradRows(table: usize, acc: usize, grad: usize, rows: usize, count: i32, V: i32, lr: f32): void {
  const rowBytes = <usize>V << 2;
  for (let k = 0; k < count; k++) {
    const g = grad + <usize>k * rowBytes;
    let sq: f64 = 0;
    for (let v = 0; v < V; v++) {
      const x = <f64>load<f32>(g + (<usize>v << 2));
      sq += x * x;
    }
    const row = <usize>load<i32>(rows + (<usize>k << 2));
    const ap = acc + (row << 2);
    const a = <f32>(<f64>load<f32>(ap) + sq / <f64>V);
    store<f32>(ap, a);
    const step = <f32>(<f64>lr / Math.sqrt(<f64>a + 1e-10));
    const t = table + row * rowBytes;
    for (let v = 0; v < V; v++) {
      const p = <usize>v << 2;
      store<f32>(t + p, load<f32>(t + p) - step * load<f32>(g + p));
    }
  }
}

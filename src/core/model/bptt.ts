/**
 * Forward and backward passes over one chunk of T time steps for B parallel streams: truncated
 * backpropagation through time. The hidden state is carried from chunk to chunk without gradient; a
 * stream whose reset flag is set at step t starts that step from the zero state (the start of a file,
 * or a line start chosen as a fresh starting point), and no gradient flows back through a reset.
 *
 * Shapes (see model.ts): N = T * B rows, row n = t * B + b.
 */
import { FloatArray, Kernels, fastKernels } from '../kernels/kernels';
import { RnnModel, pointParams, ParamViews } from './model';

/** One chunk of training data: inputs, targets and per-position flags, row n = t * B + b. */
export interface Chunk {
  /** (N) input ids */
  inputs: Int32Array;
  /** (N) target ids: the next character */
  targets: Int32Array;
  /** (N) 1 where the stream starts from the zero state before this step */
  reset: Uint8Array;
  /** (N) weight of the position's loss: 1, or 0 where the target lies across a file boundary */
  weight: Float32Array;
  /**
   * (N, V) with direct connections: a term added to each position's logits before the softmax (the sum
   * of the position's direct-connection rows, see direct-connections.ts)
   */
  bias?: Float32Array;
}

/** A chunk's buffers; `biasOf` V gives it a (N, V) logit bias for direct connections. */
export function allocChunk(T: number, B: number, kernels: Kernels = fastKernels, biasOf?: number): Chunk {
  const N = T * B;
  const chunk: Chunk = { inputs: kernels.allocI32(N), targets: kernels.allocI32(N), reset: kernels.allocU8(N), weight: kernels.allocF32(N) };
  if (biasOf !== undefined) chunk.bias = kernels.allocF32(N * biasOf);
  return chunk;
}

export function freeChunk(chunk: Chunk, kernels: Kernels): void {
  kernels.free(chunk.inputs);
  kernels.free(chunk.targets);
  kernels.free(chunk.reset);
  kernels.free(chunk.weight);
  if (chunk.bias) kernels.free(chunk.bias);
}

/** Activations and scratch buffers for one (model, T, B), allocated once. */
export class BpttBuffers<F extends FloatArray = FloatArray> {
  readonly T: number;
  readonly B: number;
  /** per layer (B, H): the state carried into the next chunk */
  readonly carry: F[];
  /** per layer (N, H): input projection plus bias, Wxh x[t] + bh */
  readonly xin: F[];
  /** per layer (N, H): the previous state each step actually used (zero after a reset) */
  readonly hp: F[];
  /** per layer (N, H): h[t] */
  readonly h: F[];
  /** (N, V): logits, then probabilities, then dL/dy */
  readonly probs: F;
  /** (N, H): dL/dh flowing into the layer being back-propagated */
  readonly dH: F;
  /** (N, H): dL/du, u the pre-activation */
  readonly dU: F;
  /** (B, H): dL/dh[t-1] through Whh */
  readonly dhNext: F;
  /** (H, N) and (H, N): transposed operands of the weight-gradient products */
  readonly aT: F;
  readonly bT: F;
  /** (V, N): dy transposed */
  readonly dyT: F;
  /** (H, H) or (H, V): a weight matrix transposed for the backward products */
  readonly wT: F;
  /** true once forward has run with targets, until backward */
  forwardDone = false;
  lastLoss = 0;
  lastWeight = 0;
  /** gives the buffers back to the kernels' memory */
  readonly release: () => void;

  /**
   * `place`, when given, provides each buffer in a fixed order (a worker thread maps them onto the
   * main thread's shared memory this way); by default they come from the model's kernels.
   */
  constructor(model: RnnModel<F>, T: number, B: number, place?: (n: number) => F) {
    const { vocabSize: V, hiddenSize: H, layers: L } = model.config;
    const N = T * B;
    const kn = model.kernels;
    const owned: F[] = [];
    const alloc = (n: number): F => {
      if (place) return place(n);
      const a = (model.params instanceof Float64Array ? new Float64Array(n) : kn.allocF32(n)) as F;
      owned.push(a);
      return a;
    };
    this.release = () => {
      for (const a of owned) if (a instanceof Float32Array) kn.free(a);
      owned.length = 0;
    };
    this.T = T;
    this.B = B;
    this.carry = [];
    this.xin = [];
    this.hp = [];
    this.h = [];
    for (let l = 0; l < L; l++) {
      this.carry.push(alloc(B * H));
      this.xin.push(alloc(N * H));
      this.hp.push(alloc(N * H));
      this.h.push(alloc(N * H));
    }
    this.probs = alloc(N * V);
    this.dH = alloc(N * H);
    this.dU = alloc(N * H);
    this.dhNext = alloc(B * H);
    this.aT = alloc(H * N);
    this.bT = alloc(H * N);
    this.dyT = alloc(V * N);
    this.wT = alloc(H * Math.max(H, V));
  }

  /** Zeroes the carried state (all streams start afresh). */
  resetCarry(): void {
    for (const c of this.carry) c.fill(0);
  }
}

/**
 * The forward pass over a chunk: fills the activations and probabilities, carries the final state
 * forward and returns the mean loss in nats per weighted position.
 */
export function forwardChunk<F extends FloatArray>(model: RnnModel<F>, buf: BpttBuffers<F>, chunk: Chunk): number {
  const { vocabSize: V, hiddenSize: H, layers: L } = model.config;
  const { T, B } = buf;
  const N = T * B;
  const kn = model.kernels;
  const { Wxh, Whh, bh, Why, by } = model.w;
  for (let l = 0; l < L; l++) {
    const xin = buf.xin[l]; // (N, H)
    // xin = Wxh x + bh: a column lookup for the one-hot input, a product for the layer below
    if (l === 0) {
      const W = Wxh[0]; // (H, V)
      const b = bh[0];
      for (let n = 0; n < N; n++) {
        const x = chunk.inputs[n];
        if (x < 0 || x >= V) throw new Error(`input id ${x} at position ${n} is outside the vocabulary (V = ${V})`);
        const row = n * H;
        for (let i = 0; i < H; i++) xin[row + i] = W[i * V + x] + b[i];
      }
    } else {
      kn.matmulABt(xin, buf.h[l - 1], Wxh[l], N, H, H, false);
      const b = bh[l];
      for (let n = 0; n < N; n++) for (let i = 0; i < H; i++) xin[n * H + i] += b[i];
    }
    // the recurrence: h[t] = tanh(xin[t] + hp[t] @ Whh^T), hp[t] = h[t-1] or zero after a reset
    const hp = buf.hp[l];
    const h = buf.h[l];
    const carry = buf.carry[l];
    for (let t = 0; t < T; t++) {
      const rowT = t * B * H;
      for (let b = 0; b < B; b++) {
        const dst = rowT + b * H;
        if (chunk.reset[t * B + b]) hp.fill(0, dst, dst + H);
        else if (t === 0) hp.set(carry.subarray(b * H, (b + 1) * H), dst);
        else hp.set(h.subarray(dst - B * H, dst - B * H + H), dst);
      }
      const hpT = hp.subarray(rowT, rowT + B * H);
      const hT = h.subarray(rowT, rowT + B * H);
      kn.matmulABt(hT, hpT, Whh[l], B, H, H, false);
      kn.addTanh(hT, hT, xin.subarray(rowT, rowT + B * H), B * H);
    }
    carry.set(h.subarray((T - 1) * B * H, T * B * H));
  }
  // output: y = h[L-1] @ Why^T + by (+ the direct connections' term), p = softmax(y), loss = -sum w log p[target] / sum w
  const probs = buf.probs;
  kn.matmulABt(probs, buf.h[L - 1], Why, N, V, H, false);
  const bias = chunk.bias;
  if (bias) for (let i = 0; i < N * V; i++) probs[i] += bias[i];
  let weight = 0;
  for (let n = 0; n < N; n++) {
    const w = chunk.weight[n];
    if (w > 0) {
      const target = chunk.targets[n];
      if (target < 0 || target >= V) throw new Error(`target id ${target} at position ${n} is outside the vocabulary (V = ${V})`);
      weight += w;
    }
  }
  const loss = kn.softmaxCrossEntropy(probs, by, chunk.targets, chunk.weight, N, V);
  buf.forwardDone = true;
  buf.lastWeight = weight;
  buf.lastLoss = weight > 0 ? loss / weight : 0;
  return buf.lastLoss;
}

/**
 * The backward pass of the chunk `forwardChunk` just ran: accumulates dL/dparams into `grad` (the
 * parameter layout; zero it before the first chunk of a step). Destroys `buf.probs`. The loss is a mean
 * over `weightTotal` (by default this chunk's own weight; a thread working on a slice of the batch
 * passes the whole batch's).
 */
export function backwardChunk<F extends FloatArray>(model: RnnModel<F>, buf: BpttBuffers<F>, chunk: Chunk, grad: F, weightTotal = buf.lastWeight): void {
  if (!buf.forwardDone) throw new Error('must run forwardChunk with targets before backwardChunk');
  buf.forwardDone = false;
  const { vocabSize: V, hiddenSize: H, layers: L } = model.config;
  const { T, B } = buf;
  const N = T * B;
  const kn = model.kernels;
  const w = model.w;
  const d: ParamViews<F> = pointParams(model.config, grad);
  const { probs: dy, dH, dU, dhNext, aT, bT, dyT, wT } = buf;
  // forward was: p = softmax(y), loss = -sum w log p[target] / sum w  =>  dy = w (p - onehot(target)) / sum w
  const scale = weightTotal > 0 ? 1 / weightTotal : 0;
  for (let n = 0; n < N; n++) {
    const row = n * V;
    const s = chunk.weight[n] * scale;
    if (s === 0) {
      dy.fill(0, row, row + V);
      continue;
    }
    for (let v = 0; v < V; v++) dy[row + v] *= s;
    dy[row + chunk.targets[n]] -= s;
  }
  // forward was: y = h @ Why^T + by  =>  dby = sum_n dy, dWhy = dy^T @ h, dh = dy @ Why
  for (let n = 0; n < N; n++) for (let v = 0; v < V; v++) d.by[v] += dy[n * V + v];
  const hTop = buf.h[L - 1];
  kn.transpose(dyT, dy, N, V); // (V, N)
  kn.transpose(bT, hTop, N, H); // (H, N)
  kn.matmulABt(d.Why, dyT, bT, V, H, N, true);
  kn.transpose(wT, w.Why, V, H); // (H, V)
  kn.matmulABt(dH, dy, wT, N, H, V, false);
  for (let l = L - 1; l >= 0; l--) {
    const h = buf.h[l];
    // forward was: h[t] = tanh(u[t]), u[t] = xin[t] + hp[t] @ Whh^T
    //   =>  du[t] = (1 - h[t]^2) * (dh[t] + dh[t] via h[t+1]),  dhp[t] = du[t] @ Whh
    kn.transpose(wT, w.Whh[l], H, H); // (H, H) Whh^T
    dhNext.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const rowT = t * B * H;
      for (let i = 0; i < B * H; i++) {
        const hi = h[rowT + i];
        dU[rowT + i] = (1 - hi * hi) * (dH[rowT + i] + dhNext[i]);
      }
      if (t === 0) break; // the carried state gets no gradient: truncated BPTT
      kn.matmulABt(dhNext, dU.subarray(rowT, rowT + B * H), wT, B, H, H, false);
      for (let b = 0; b < B; b++) if (chunk.reset[t * B + b]) dhNext.fill(0, b * H, (b + 1) * H); // hp was zero
    }
    // dbh = sum_n du, dWhh = du^T @ hp
    const dbh = d.bh[l];
    for (let n = 0; n < N; n++) for (let i = 0; i < H; i++) dbh[i] += dU[n * H + i];
    kn.transpose(aT, dU, N, H); // (H, N)
    kn.transpose(bT, buf.hp[l], N, H); // (H, N)
    kn.matmulABt(d.Whh[l], aT, bT, H, H, N, true);
    if (l === 0) {
      // forward was: xin = Wxh[:, x] + bh (a column lookup)  =>  dWxh[:, x] += du
      const dW = d.Wxh[0]; // (H, V)
      for (let n = 0; n < N; n++) {
        const x = chunk.inputs[n];
        const row = n * H;
        for (let i = 0; i < H; i++) dW[i * V + x] += dU[row + i];
      }
    } else {
      // forward was: xin = h[l-1] @ Wxh^T + bh  =>  dWxh = du^T @ h[l-1], dh[l-1] = du @ Wxh
      kn.transpose(bT, buf.h[l - 1], N, H); // (H, N)
      kn.matmulABt(d.Wxh[l], aT, bT, H, H, N, true);
      kn.transpose(wT, w.Wxh[l], H, H); // (H, H)
      kn.matmulABt(dH, dU, wT, N, H, H, false);
    }
  }
}

/**
 * The vanilla RNN of the seed notes, stacked L layers deep:
 *
 *   h[l][t] = tanh(Wxh[l] x[l][t] + Whh[l] h[l][t-1] + bh[l])    x[0][t] = one-hot(char t), x[l][t] = h[l-1][t]
 *   y[t]    = Why h[L-1][t] + by                                 p[t] = softmax(y[t])
 *
 * Dimensions, named once: V = vocabulary size, H = hidden size, L = layers, B = batch (parallel
 * streams), T = time steps of a chunk, N = T * B, M = rows of an inference batch (beams).
 *
 * All parameters live in one contiguous array with named views into it (llm.c's
 * `malloc_and_point_parameters`), so that a checkpoint, a gradient and an optimizer state are each one
 * array of the same layout.
 */
import { DirectConnections } from './direct-connections';
import { FloatArray, Kernels } from '../kernels/kernels';
import { Rng } from './rng';
import { Vocab } from './vocab';

export type { FloatArray };

export interface ModelConfig {
  /** V */
  vocabSize: number;
  /** H */
  hiddenSize: number;
  /** L */
  layers: number;
}

export const MODEL_LIMITS = {
  hiddenSize: { min: 16, max: 1024 },
  layers: { min: 1, max: 4 },
  vocabSize: { min: 2, max: 65536 },
} as const;

export function validateConfig(config: ModelConfig): void {
  for (const key of ['vocabSize', 'hiddenSize', 'layers'] as const) {
    const value = config[key];
    const { min, max } = MODEL_LIMITS[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${key} must be an integer from ${min} to ${max}, got ${value}`);
    }
  }
}

/** Offsets (in elements) of each parameter tensor inside the one parameter array. */
export interface ParamLayout {
  readonly size: number;
  /** per layer: (H, V) for l = 0, (H, H) above */
  readonly Wxh: readonly number[];
  /** per layer: (H, H) */
  readonly Whh: readonly number[];
  /** per layer: (H) */
  readonly bh: readonly number[];
  /** (V, H) */
  readonly Why: number;
  /** (V) */
  readonly by: number;
}

/** The input size of layer l: V for the first layer, H above it. */
export function inputSize(config: ModelConfig, l: number): number {
  return l === 0 ? config.vocabSize : config.hiddenSize;
}

export function paramLayout(config: ModelConfig): ParamLayout {
  const { vocabSize: V, hiddenSize: H, layers: L } = config;
  let offset = 0;
  const Wxh: number[] = [];
  const Whh: number[] = [];
  const bh: number[] = [];
  for (let l = 0; l < L; l++) {
    Wxh.push(offset);
    offset += H * inputSize(config, l);
    Whh.push(offset);
    offset += H * H;
    bh.push(offset);
    offset += H;
  }
  const Why = offset;
  offset += V * H;
  const by = offset;
  offset += V;
  return { size: offset, Wxh, Whh, bh, Why, by };
}

/** Named views into one parameter-shaped array (parameters, gradients or optimizer moments). */
export interface ParamViews<F extends FloatArray = FloatArray> {
  Wxh: F[]; // per layer (H, V) or (H, H)
  Whh: F[]; // per layer (H, H)
  bh: F[]; // per layer (H)
  Why: F; // (V, H)
  by: F; // (V)
}

export function pointParams<F extends FloatArray>(config: ModelConfig, flat: F): ParamViews<F> {
  const layout = paramLayout(config);
  if (flat.length !== layout.size) throw new Error(`parameter array has ${flat.length} elements, the model needs ${layout.size}`);
  const { vocabSize: V, hiddenSize: H, layers: L } = config;
  const view = (offset: number, n: number) => flat.subarray(offset, offset + n) as F;
  const views: ParamViews<F> = { Wxh: [], Whh: [], bh: [], Why: view(layout.Why, V * H), by: view(layout.by, V) };
  for (let l = 0; l < L; l++) {
    views.Wxh.push(view(layout.Wxh[l], H * inputSize(config, l)));
    views.Whh.push(view(layout.Whh[l], H * H));
    views.bh.push(view(layout.bh[l], H));
  }
  return views;
}

export class RnnModel<F extends FloatArray = Float32Array> {
  readonly config: ModelConfig;
  readonly vocab: Vocab;
  /** every parameter, in the order of `paramLayout` */
  readonly params: F;
  readonly w: ParamViews<F>;
  kernels: Kernels;
  /** the direct n-gram connections added to the logits, when the model has them (direct-connections.ts) */
  direct: DirectConnections | undefined;

  constructor(config: ModelConfig, vocab: Vocab, params: F, kernels: Kernels) {
    validateConfig(config);
    if (vocab.size !== config.vocabSize) throw new Error(`vocabulary has ${vocab.size} symbols, the model expects ${config.vocabSize}`);
    this.config = { ...config };
    this.vocab = vocab;
    this.params = params;
    this.w = pointParams(config, params);
    this.kernels = kernels;
  }

  /**
   * A freshly initialised model: weights uniform in [-1/sqrt(H), 1/sqrt(H)] as PyTorch's nn.RNN and
   * nn.Linear do, biases zero.
   */
  static create(config: ModelConfig, vocab: Vocab, seed: number, kernels: Kernels): RnnModel<Float32Array> {
    validateConfig(config);
    const params = kernels.allocF32(paramLayout(config).size);
    const model = new RnnModel(config, vocab, params, kernels);
    model.initialise(new Rng(seed));
    return model;
  }

  initialise(rng: Rng): void {
    const k = 1 / Math.sqrt(this.config.hiddenSize);
    const uniform = (a: FloatArray) => {
      for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * k;
    };
    for (let l = 0; l < this.config.layers; l++) {
      uniform(this.w.Wxh[l]);
      uniform(this.w.Whh[l]);
      this.w.bh[l].fill(0);
    }
    uniform(this.w.Why);
    this.w.by.fill(0);
  }

  /** A copy with its parameters in float64, for gradient checks against finite differences. */
  toFloat64(): RnnModel<Float64Array> {
    return new RnnModel(this.config, this.vocab, Float64Array.from(this.params), this.kernels);
  }

  get parameterCount(): number {
    return this.params.length;
  }
}

/**
 * Gives a Float32 model's memory back to its kernels (its parameters and the buffers of its inference
 * steppers). The model must not be used afterwards.
 */
export function releaseModel(model: RnnModel<FloatArray>): void {
  const byM = steppers.get(model);
  if (byM) for (const stepper of byM.values()) stepper.release();
  steppers.delete(model);
  if (model.params instanceof Float32Array) model.kernels.free(model.params);
  if (model.direct) {
    model.kernels.free(model.direct.table); // a no-op unless it lives in the kernels' memory
    if (model.direct.rowSumSq) model.kernels.free(model.direct.rowSumSq);
  }
}

/** A hidden state for M rows (beams or documents): (L, M, H), layer-major so each layer's rows are contiguous. */
export function zeroState(config: ModelConfig, M = 1): Float32Array {
  return new Float32Array(config.layers * M * config.hiddenSize);
}

const steppers = new WeakMap<RnnModel<FloatArray>, Map<number, InferenceStepper>>();

/**
 * Inference for M rows at once (a batch of beams, or one document with M = 1). Its buffers live where
 * the model's kernels work fastest and are reused for every step: get one with `InferenceStepper.for`.
 */
export class InferenceStepper {
  readonly model: RnnModel<FloatArray>;
  readonly M: number;
  private readonly h: Float32Array; // (L, M, H) the state being stepped (copied in and out)
  private readonly u: Float32Array; // (M, H) pre-activation
  private readonly xin: Float32Array; // (M, H) input of the layer above
  readonly logits: Float32Array; // (M, V)

  constructor(model: RnnModel<FloatArray>, M = 1) {
    this.model = model;
    this.M = M;
    const { hiddenSize: H, vocabSize: V, layers: L } = model.config;
    const kn = model.kernels;
    this.h = kn.allocF32(L * M * H);
    this.u = kn.allocF32(M * H);
    this.xin = kn.allocF32(M * H);
    this.logits = kn.allocF32(M * V);
  }

  release(): void {
    const kn = this.model.kernels;
    for (const a of [this.h, this.u, this.xin, this.logits]) kn.free(a);
  }

  /** The stepper of a model for M rows, made once and shared (steps are synchronous). */
  static for(model: RnnModel<FloatArray>, M = 1): InferenceStepper {
    let byM = steppers.get(model);
    if (!byM) steppers.set(model, (byM = new Map()));
    let stepper = byM.get(M);
    if (!stepper) byM.set(M, (stepper = new InferenceStepper(model, M)));
    return stepper;
  }

  /**
   * Advances `state` (L, M, H) by one character per row: ids[m] is row m's input. With `withLogits`,
   * also fills `this.logits` (M, V); the state update alone is what the window pass needs.
   */
  step(state: Float32Array, ids: ArrayLike<number>, withLogits: boolean): void {
    const { model, M, u, xin } = this;
    const work = this.h;
    work.set(state);
    const { vocabSize: V, hiddenSize: H, layers: L } = model.config;
    const { Wxh, Whh, bh } = model.w;
    const kn = model.kernels;
    const MH = M * H;
    for (let l = 0; l < L; l++) {
      const h = work.subarray(l * MH, (l + 1) * MH); // (M, H) h[t-1] in, h[t] out
      kn.matmulABt(u, h, Whh[l], M, H, H, false); // u = h[t-1] @ Whh^T
      if (l === 0) {
        const W = Wxh[0]; // (H, V): the one-hot product is column x of Wxh
        const b = bh[0];
        for (let m = 0; m < M; m++) {
          const x = ids[m];
          const row = m * H;
          for (let i = 0; i < H; i++) u[row + i] += W[i * V + x] + b[i];
        }
      } else {
        kn.matmulABt(u, xin, Wxh[l], M, H, H, true); // u += h[l-1][t] @ Wxh^T
        const b = bh[l];
        for (let m = 0; m < M; m++) for (let i = 0; i < H; i++) u[m * H + i] += b[i];
      }
      for (let i = 0; i < MH; i++) {
        const hi = Math.tanh(u[i]);
        h[i] = hi;
        xin[i] = hi;
      }
    }
    state.set(work);
    if (withLogits) this.outputs(work);
  }

  /** logits (M, V) = h[L-1] @ Why^T + by, from the current state. */
  outputs(state: Float32Array): Float32Array {
    const { model, M } = this;
    const { vocabSize: V, hiddenSize: H, layers: L } = model.config;
    if (state !== this.h) this.h.set(state);
    const top = this.h.subarray((L - 1) * M * H, L * M * H);
    model.kernels.matmulABt(this.logits, top, model.w.Why, M, V, H, false);
    const by = model.w.by;
    for (let m = 0; m < M; m++) for (let v = 0; v < V; v++) this.logits[m * V + v] += by[v];
    return this.logits;
  }
}

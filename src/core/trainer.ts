/**
 * The training loop: B streams of chunks of T steps, truncated BPTT, an optimizer step per chunk,
 * periodic validation on held-out files, and a state that a checkpoint captures completely, so that a
 * resumed run continues exactly as an uninterrupted one would.
 */
import * as os from 'node:os';
import { allocChunk, Chunk, freeChunk } from './bptt';
import { SlicedSteps } from './threads/slices';
import { EncodedFiles, fingerprint, StreamSampler, StreamState } from './data';
import { bitsPerChar } from './evaluate';
import { defaultKernels } from './backends';
import { DIRECT_LIMITS, DirectConfig, DirectConnections, DirectGradient } from './direct';
import { Kernels } from './kernels';
import { WasmKernels } from './wasm/backend';
import { ModelConfig, RnnModel, validateConfig } from './model';
import { ClipMode, DEFAULT_LEARNING_RATE, Optimizer, OptimizerName, validateOptimizerSettings } from './optimizer';
import { Rng } from './rng';
import { Vocab } from './vocab';

export interface TrainSettings {
  hiddenSize: number;
  layers: number;
  /** T: time steps per chunk */
  seqLength: number;
  /** B: parallel streams */
  batchSize: number;
  optimizer: OptimizerName;
  learningRate: number;
  clipMode: ClipMode;
  clip: number;
  seed: number;
  /** probability that a stream's new segment starts at a random line start rather than a file start */
  lineStartProb: number;
  /** validation every this many steps (and at the end) */
  valEverySteps: number;
  /** at most this many characters per validation */
  valMaxChars: number;
  /** a point of loss history every this many steps */
  historyEverySteps: number;
  /** threads sharing each step (data-parallel over the streams; needs the WebAssembly backend above 1) */
  threads: number;
  /** direct n-gram connections of orders 1 .. directOrders in the softmax (0: none; direct.ts) */
  directOrders: number;
  /** the most megabytes the direct-connection table may take (float32) */
  directMB: number;
  /** the table's row-wise Adagrad learning rate */
  directLearningRate: number;
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  hiddenSize: 256,
  layers: 1,
  seqLength: 64,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: DEFAULT_LEARNING_RATE.adam,
  clipMode: 'norm',
  clip: 5,
  seed: 1,
  lineStartProb: 0.3,
  valEverySteps: 100,
  valMaxChars: 20000,
  historyEverySteps: 10,
  threads: 1,
  directOrders: 8,
  directMB: 32,
  directLearningRate: 0.1,
};

/** Every core but one, at least one: the machine stays responsive while it trains. */
export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

export function validateTrainSettings(s: TrainSettings): void {
  validateConfig({ vocabSize: 2, hiddenSize: s.hiddenSize, layers: s.layers });
  const int = (name: keyof TrainSettings, min: number, max: number) => {
    const v = s[name] as number;
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${v}`);
  };
  int('seqLength', 1, 4096);
  int('batchSize', 1, 1024);
  int('seed', 0, 0xffffffff);
  int('valEverySteps', 1, 1e9);
  int('valMaxChars', 0, 1e9);
  int('historyEverySteps', 1, 1e9);
  int('threads', 1, 64);
  int('directOrders', 0, DIRECT_LIMITS.orders.max);
  if (!(s.directMB >= 1 && s.directMB <= 4096)) throw new Error(`directMB must be from 1 to 4096, got ${s.directMB}`);
  if (!(s.directLearningRate > 0 && s.directLearningRate <= 10)) throw new Error(`directLearningRate must be in (0, 10], got ${s.directLearningRate}`);
  if (!(s.lineStartProb >= 0 && s.lineStartProb <= 1)) throw new Error(`lineStartProb must be in [0, 1], got ${s.lineStartProb}`);
  validateOptimizerSettings({ name: s.optimizer, learningRate: s.learningRate, clipMode: s.clipMode, clip: s.clip });
}

/** One point of the metrics history kept in the checkpoint (no wall-clock figures, so runs are reproducible). */
export interface MetricPoint {
  step: number;
  charsSeen: number;
  /** smoothed training loss, nats per character */
  loss: number;
  /** validation bits per character, where measured */
  valBitsPerChar?: number;
}

/** The last point of a history that has a validation figure. */
export function lastValidation(history: readonly MetricPoint[]): MetricPoint | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (history[i].valBitsPerChar !== undefined) return history[i];
  return undefined;
}

/** What a resumed run needs to continue exactly where a run stopped. */
export interface ResumeState {
  rng: number[];
  streams: StreamState;
  /** (L, B, H) the hidden state carried into the next chunk */
  carry: Float32Array;
  smoothLoss: number;
  dataFingerprint: string;
}

/** The whole saveable state of a training run (checkpoint.ts maps it to a file). */
export interface TrainingState {
  settings: TrainSettings;
  step: number;
  charsSeen: number;
  optimizer: { name: OptimizerName; step: number; state: Record<string, Float32Array> };
  history: MetricPoint[];
  resume?: ResumeState;
  /** (rows) the direct-connection table's row-wise Adagrad state */
  directSumSq?: Float32Array;
}

export type TrainEvent =
  | { event: 'start'; step: number; charsSeen: number; loss: number; parameters: number; trainChars: number; valChars: number; resumedExactly: boolean }
  | { event: 'progress'; step: number; charsSeen: number; loss: number; charsPerSec: number; elapsedSec: number; fraction: number; etaSec: number }
  | { event: 'val'; step: number; charsSeen: number; loss: number; valBitsPerChar: number }
  | { event: 'done'; step: number; charsSeen: number; loss: number; valBitsPerChar?: number; reason: 'steps' | 'time' | 'stopped'; elapsedSec: number; charsPerSec: number };

export interface RunOptions {
  /** stop after this many steps in total (counting resumed ones) */
  steps?: number;
  /** stop after this many seconds of this run */
  seconds?: number;
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent) => void;
  /** progress events at most this often (ms); default 500 */
  progressIntervalMs?: number;
  /** called every `checkpointEverySec` seconds with the trainer, to save a checkpoint */
  onCheckpoint?: (trainer: Trainer) => Promise<void> | void;
  checkpointEverySec?: number;
}

/**
 * The table (and its Adagrad accumulators) in the kernels' memory, where their row kernels run at full
 * speed; as it is when that memory cannot hold it.
 */
function inKernelMemory(from: DirectConnections | DirectConfig, kernels: Kernels): DirectConnections {
  const existing = from instanceof DirectConnections ? from : undefined;
  const plain = () => {
    const d = existing ?? new DirectConnections(from as DirectConfig);
    d.rowSumSq ??= new Float32Array(d.rowCount);
    return d;
  };
  if (!(kernels instanceof WasmKernels) || (existing && kernels.owns(existing.table))) return plain();
  const config = existing?.config ?? (from as DirectConfig);
  let table: Float32Array | undefined;
  try {
    table = kernels.allocF32(DirectConnections.layout(config).regionStart[config.orders] * config.vocabSize);
    const moved = new DirectConnections(config, table);
    moved.rowSumSq = kernels.allocF32(moved.rowCount);
    if (existing) {
      table.set(existing.table);
      if (existing.rowSumSq) moved.rowSumSq.set(existing.rowSumSq);
    }
    return moved;
  } catch {
    if (table) kernels.free(table);
    return plain();
  }
}

export class Trainer {
  readonly model: RnnModel;
  readonly settings: TrainSettings;
  readonly optimizer: Optimizer;
  readonly train: EncodedFiles;
  readonly val: EncodedFiles | undefined;
  step = 0;
  charsSeen = 0;
  smoothLoss: number;
  history: MetricPoint[] = [];
  lastValBitsPerChar: number | undefined;
  /** true when a resumed run restored its streams and carried state: it continues bit-exactly */
  readonly resumedExactly: boolean;
  private readonly rng: Rng;
  private readonly sampler: StreamSampler;
  private readonly steps: SlicedSteps;
  /** (T, B) the batch of the current step */
  private readonly chunk: Chunk;
  /** with direct connections: (N, orders) the rows of each position, and the step's sparse gradient */
  private readonly directRows: Int32Array | undefined;
  private readonly directGrad: DirectGradient | undefined;

  private constructor(model: RnnModel, settings: TrainSettings, train: EncodedFiles, val: EncodedFiles | undefined, state?: TrainingState) {
    validateTrainSettings(settings);
    this.model = model;
    const V = model.config.vocabSize;
    if (settings.directOrders === 0) model.direct = undefined;
    else model.direct = inKernelMemory(model.direct ?? DirectConnections.configForBudget(settings.directOrders, V, settings.directMB), model.kernels);
    this.settings = { ...settings, directOrders: model.direct?.config.orders ?? 0 };
    this.train = train;
    this.val = val && val.tokens.length > 0 ? val : undefined;
    const { seqLength: T, batchSize: B } = settings;
    this.optimizer = new Optimizer({ name: settings.optimizer, learningRate: settings.learningRate, clipMode: settings.clipMode, clip: settings.clip }, model.params.length);
    this.rng = new Rng(settings.seed ^ 0x5eed1e55);
    this.sampler = new StreamSampler(train, model.vocab, B, settings.lineStartProb);
    this.steps = new SlicedSteps(model, T, B, settings.threads, model.direct !== undefined);
    this.chunk = allocChunk(T, B, model.kernels); // the slices' chunks carry the direct connections' bias
    if (model.direct) {
      this.directRows = model.kernels.allocI32(T * B * model.direct.config.orders);
      this.directGrad = new DirectGradient(V, T * B * model.direct.config.orders, model.kernels);
    }
    this.smoothLoss = Math.log(model.config.vocabSize);
    let exact = false;
    if (state) {
      this.step = state.step;
      this.charsSeen = state.charsSeen;
      this.history = state.history.slice();
      if (state.optimizer.name === settings.optimizer) this.optimizer.restore(state.optimizer.step, state.optimizer.state);
      if (model.direct && state.directSumSq && state.directSumSq.length === model.direct.rowCount) model.direct.rowSumSq!.set(state.directSumSq);
      const r = state.resume;
      const { layers: L, hiddenSize: H } = model.config;
      if (r && r.dataFingerprint === fingerprint(train) && r.streams.pos.length === B && r.carry.length === L * B * H
        && state.settings.seqLength === T && state.settings.seed === settings.seed && state.settings.lineStartProb === settings.lineStartProb) {
        this.rng.setState(r.rng);
        this.sampler.setState(r.streams);
        this.steps.setCarry(r.carry);
        this.smoothLoss = r.smoothLoss;
        exact = true;
      } else if (r) {
        this.smoothLoss = r.smoothLoss;
      }
      this.lastValBitsPerChar = lastValidation(state.history)?.valBitsPerChar;
    }
    this.resumedExactly = exact;
  }

  /** A new model on the given data, its vocabulary built from the training files. */
  static create(vocab: Vocab, train: EncodedFiles, val: EncodedFiles | undefined, settings: TrainSettings, kernels: Kernels = defaultKernels()): Trainer {
    validateTrainSettings(settings);
    const config: ModelConfig = { vocabSize: vocab.size, hiddenSize: settings.hiddenSize, layers: settings.layers };
    const model = RnnModel.create(config, vocab, settings.seed, kernels);
    return new Trainer(model, settings, train, val);
  }

  /**
   * Continues a saved run on the given data (encoded with the model's vocabulary). The optimizer state
   * always carries over; the streams and carried state too when the data and chunking are unchanged.
   */
  static resume(model: RnnModel, state: TrainingState, train: EncodedFiles, val: EncodedFiles | undefined, overrides: Partial<TrainSettings> = {}): Trainer {
    const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, ...state.settings, ...overrides, hiddenSize: model.config.hiddenSize, layers: model.config.layers };
    return new Trainer(model, settings, train, val, state);
  }

  /** One optimizer step on one chunk; returns the chunk's mean loss (nats per character). */
  trainStep(): number {
    const { seqLength: T } = this.settings;
    const direct = this.model.direct;
    this.sampler.fill(this.chunk, T, this.rng, direct && { table: direct, rows: this.directRows! });
    if (direct) this.steps.sumDirect(direct.table, this.directRows!, direct.config.orders);
    const { lossSum, weight } = this.steps.step(this.chunk);
    const loss = weight > 0 ? lossSum / weight : 0;
    this.optimizer.update(this.model.params, this.steps.gradient);
    if (direct) {
      // the table's gradient: the loss summed (not averaged) over positions, for its row-wise Adagrad
      const grad = this.directGrad!;
      grad.clear();
      grad.assign(this.directRows!, this.chunk.weight, this.chunk.weight.length, direct.config.orders);
      this.steps.scatterDirect(grad, direct.config.orders, this.chunk.weight, weight);
      direct.update(grad, this.settings.directLearningRate, this.model.kernels);
    }
    this.step++;
    this.charsSeen += weight;
    this.smoothLoss = this.step === 1 && this.history.length === 0 ? loss : 0.95 * this.smoothLoss + 0.05 * loss;
    if (this.step % this.settings.historyEverySteps === 0) this.history.push({ step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss });
    return loss;
  }

  /** Bits per character on the held-out files (bounded by valMaxChars), recorded in the history. */
  validate(): number | undefined {
    if (!this.val || this.settings.valMaxChars === 0) return undefined;
    const bpc = bitsPerChar(this.model, this.val, { maxChars: this.settings.valMaxChars }).bitsPerChar;
    this.lastValBitsPerChar = bpc;
    const last = this.history[this.history.length - 1];
    if (last && last.step === this.step) last.valBitsPerChar = bpc;
    else this.history.push({ step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, valBitsPerChar: bpc });
    return bpc;
  }

  /**
   * Trains until `steps` (in total) or `seconds` (of this run) or the signal, yielding to the event
   * loop between steps so that signals and messages are handled. Validates every valEverySteps and at
   * the end.
   */
  async run(opts: RunOptions): Promise<TrainEvent & { event: 'done' }> {
    const emit = opts.onEvent ?? (() => undefined);
    const t0 = performance.now();
    const startChars = this.charsSeen;
    const progressMs = opts.progressIntervalMs ?? 500;
    let lastProgress = t0;
    let lastCheckpoint = t0;
    const elapsed = () => (performance.now() - t0) / 1000;
    const rate = () => (this.charsSeen - startChars) / Math.max(1e-9, elapsed());
    const fraction = () => {
      const f: number[] = [];
      if (opts.steps !== undefined) f.push(this.step / Math.max(1, opts.steps));
      if (opts.seconds !== undefined) f.push(elapsed() / opts.seconds);
      return Math.min(1, Math.max(0, ...f));
    };
    emit({ event: 'start', step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, parameters: this.model.params.length, trainChars: this.train.tokens.length, valChars: this.val?.tokens.length ?? 0, resumedExactly: this.resumedExactly });
    let reason: 'steps' | 'time' | 'stopped' = 'steps';
    let validatedAt = -1;
    for (;;) {
      if (opts.signal?.aborted) { reason = 'stopped'; break; }
      if (opts.steps !== undefined && this.step >= opts.steps) { reason = 'steps'; break; }
      if (opts.seconds !== undefined && elapsed() >= opts.seconds) { reason = 'time'; break; }
      if (opts.steps === undefined && opts.seconds === undefined) throw new Error('run needs steps or seconds');
      this.trainStep();
      if (this.step % this.settings.valEverySteps === 0) {
        const bpc = this.validate();
        validatedAt = this.step;
        if (bpc !== undefined) emit({ event: 'val', step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, valBitsPerChar: bpc });
      }
      const now = performance.now();
      if (now - lastProgress >= progressMs) {
        lastProgress = now;
        const fr = fraction();
        emit({ event: 'progress', step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, charsPerSec: rate(), elapsedSec: elapsed(), fraction: fr, etaSec: fr > 0 ? (elapsed() * (1 - fr)) / fr : Infinity });
      }
      if (opts.onCheckpoint && opts.checkpointEverySec !== undefined && now - lastCheckpoint >= opts.checkpointEverySec * 1000) {
        lastCheckpoint = now;
        await opts.onCheckpoint(this);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (validatedAt !== this.step) {
      const bpc = this.validate();
      if (bpc !== undefined) emit({ event: 'val', step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, valBitsPerChar: bpc });
    }
    const done = { event: 'done' as const, step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, valBitsPerChar: this.lastValBitsPerChar, reason, elapsedSec: elapsed(), charsPerSec: rate() };
    emit(done);
    return done;
  }

  /** Gives the trainer's buffers back to the kernels' memory; the model stays usable. */
  dispose(): void {
    this.steps.dispose();
    freeChunk(this.chunk, this.model.kernels);
    if (this.directRows) this.model.kernels.free(this.directRows);
    this.directGrad?.release();
  }

  /** The state to save, sharing no buffer with the live trainer. */
  snapshot(): TrainingState {
    const carry = this.steps.getCarry();
    const optimState: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(this.optimizer.state)) optimState[k] = Float32Array.from(v);
    return {
      settings: { ...this.settings },
      step: this.step,
      charsSeen: this.charsSeen,
      optimizer: { name: this.settings.optimizer, step: this.optimizer.step, state: optimState },
      history: this.history.map((p) => ({ ...p })),
      directSumSq: this.model.direct?.rowSumSq ? Float32Array.from(this.model.direct.rowSumSq) : undefined,
      resume: {
        rng: this.rng.getState(),
        streams: this.sampler.getState(),
        carry,
        smoothLoss: this.smoothLoss,
        dataFingerprint: fingerprint(this.train),
      },
    };
  }
}

/**
 * The training loop: B streams of chunks of T steps, truncated BPTT, an optimizer step per chunk,
 * periodic validation on held-out files, and a state that a checkpoint captures completely, so that a
 * resumed run continues exactly as an uninterrupted one would.
 *
 * Validation decides what is kept and how training goes on (the schedule):
 *   - the best model: the parameters and direct-connection table of the lowest validation so far are
 *     copied aside (one extra copy, no optimizer state), so that the checkpoint the editor uses is the
 *     best one even when training goes on to overfit (job.ts writes it, and the latest state beside it);
 *   - a plateau: after `patience` validations without an improvement of at least 0.1% on the best, both
 *     learning rates (the RNN's optimizer and the direct table's) are halved; after MAX_REDUCTIONS
 *     halvings in a row with no such improvement, the next plateau stops the run as 'converged';
 *   - divergence: a validation more than 1 bit/char above the best, or worse than uniform guessing over
 *     the vocabulary, while the training loss is more than 0.5 nats/char worse than it was at the best
 *     too (when only validation rises, training holds and the plateau handles it: a model memorising,
 *     or one whose state from zero went astray on a start the training had not met lately; the best
 *     model is kept either way), a validation worse than uniform guessing before any best, a smoothed
 *     training loss worse than uniform (also with no validation files), or a loss or gradient that is
 *     not finite stops the run as 'diverged' (nothing of the diverged state is to be saved).
 */
import * as os from 'node:os';
import { allocChunk, Chunk, freeChunk } from '../model/bptt';
import { SlicedSteps } from './threads/slices';
import { EncodedFiles, fingerprint, StreamSampler, StreamState, validationSample } from './streams';
import { bitsPerChar } from '../eval/evaluate';
import { DIRECT_LIMITS, DirectConfig, DirectConnections, DirectGradient } from '../model/direct-connections';
import { Kernels } from '../kernels/kernels';
import { MAX_PAGES } from '../kernels/wasm/backend';
import { ModelConfig, RnnModel, validateConfig } from '../model/model';
import { ClipMode, DEFAULT_LEARNING_RATE, Optimizer, OPTIMIZER_STATE_NAMES, OptimizerName, validateOptimizerSettings } from '../model/optimizer';
import { Rng } from '../model/rng';
import { Vocab } from '../model/vocab';

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
  /** with segmentChars 0: the probability that a stream's new segment starts at a random line start rather than a file start */
  lineStartProb: number;
  /**
   * the most characters a stream reads from the zero state before it starts a new segment (0: to the
   * end of the file); short segments keep the zero state's dynamics trained (streams.ts)
   */
  segmentChars: number;
  /** validation every this many steps (and at the end) */
  valEverySteps: number;
  /** at most this many characters per validation, spread over the held-out files (streams.ts, validationSample) */
  valMaxChars: number;
  /**
   * validations without an improvement of at least 0.1% on the best before both learning rates are
   * halved (after MAX_REDUCTIONS halvings in a row without one, the run stops as converged); 0: never
   */
  patience: number;
  /** a point of loss history every this many steps */
  historyEverySteps: number;
  /** threads sharing each step (data-parallel over the streams; needs the WebAssembly backend above 1) */
  threads: number;
  /** direct n-gram connections of orders 1 .. directOrders in the softmax (0: none; direct-connections.ts) */
  directOrders: number;
  /** the most megabytes the direct-connection table may take (float32) */
  directMB: number;
  /** the table's row-wise Adagrad learning rate */
  directLearningRate: number;
  /**
   * the table's decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay Regularization"),
   * per pass over the training data: a row untouched for a whole pass keeps exp(-directDecay) of itself.
   * Applied every DIRECT_DECAY_EVERY steps to the whole table, as exp(-min(directDecay / steps per pass,
   * MAX_DIRECT_DECAY_PER_STEP) x lrScale x DIRECT_DECAY_EVERY). A row of a rare context, which the gradient seldom refreshes,
   * fades towards zero (the RNN's own prediction) instead of keeping what it memorised; a row of a
   * frequent one stays where its gradient holds it. Per pass, not per step, so that it means the same on
   * a small corpus and a large one. 0: none.
   */
  directDecay: number;
}

/** The direct-connection table's decay is applied every this many steps (one pass over the table). */
export const DIRECT_DECAY_EVERY = 100;
/**
 * The direct table's decay rate per step is at most this, whatever the corpus: on a tiny corpus (a pass
 * of a few steps) the per-pass rate would wipe the table every DIRECT_DECAY_EVERY steps. 0.001 a step is
 * what the development corpora of 0.3 and 1.6 MB were measured to gain from (0.003 lost); corpora of
 * 1.6 MB and more are below it at the default 0.5 a pass.
 */
export const MAX_DIRECT_DECAY_PER_STEP = 1e-3;

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
  segmentChars: 1024,
  valEverySteps: 100,
  valMaxChars: 20000,
  patience: 10,
  historyEverySteps: 10,
  threads: 1,
  directOrders: 8,
  directMB: 32,
  directLearningRate: 0.1,
  directDecay: 0.5,
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
  int('patience', 0, 1e6);
  int('historyEverySteps', 1, 1e9);
  if (!(s.segmentChars === 0 || (Number.isInteger(s.segmentChars) && s.segmentChars >= 2 && s.segmentChars <= 1e9))) throw new Error(`segmentChars must be 0 (to the end of the file) or an integer from 2 to 1000000000, got ${s.segmentChars}`);
  int('threads', 1, 64);
  int('directOrders', 0, DIRECT_LIMITS.orders.max);
  const { min: minMB, max: maxMB } = DIRECT_LIMITS.megabytes;
  if (!(s.directMB >= minMB && s.directMB <= maxMB)) throw new Error(`directMB must be from ${minMB} to ${maxMB} (megabytes), got ${s.directMB}`);
  if (!(s.directLearningRate > 0 && s.directLearningRate <= 10)) throw new Error(`directLearningRate must be in (0, 10], got ${s.directLearningRate}`);
  if (!(s.directDecay >= 0 && s.directDecay <= 10)) throw new Error(`directDecay must be from 0 to 10, got ${s.directDecay}`);
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

/** The learning rates are multiplied by this on a plateau. */
export const LR_DECAY = 0.5;
/** halvings in a row without an improvement, after which the next plateau ends the run as converged */
export const MAX_REDUCTIONS = 3;
/** an improvement of less than this fraction of the best does not end a plateau */
export const MIN_RELATIVE_IMPROVEMENT = 1e-3;
/** validation this many bits/char above the best means the run diverged */
export const DIVERGED_BITS = 1;
/**
 * a training loss at most this many nats/char above its value at the best validation still counts as
 * holding (the smoothed loss wanders by about this much between chunks of different files)
 */
export const MEMORISING_LOSS_NATS = 0.5;
/** the first validations may sit this little above uniform guessing (log2 V) before it means divergence */
const UNIFORM_SLACK = 0.25;
/**
 * a smoothed training loss this many nats/char above uniform guessing (ln V) means the run diverged,
 * also when nothing is validated (an untrained model starts at about ln V and only goes down)
 */
export const DIVERGED_LOSS_NATS = 1;

/**
 * The schedule's state: what validation said so far. Saved in the checkpoint (absent from those written
 * before it), so that a resumed run keeps the same best and lowers the rates at the same steps.
 */
export interface ScheduleState {
  /** the lowest validation so far, where it was measured, and the smoothed training loss then; none before the first validation */
  best?: { valBitsPerChar: number; step: number; charsSeen: number; loss?: number };
  /** fingerprint of the validation sample the best was measured on: another sample starts the record afresh */
  valFingerprint?: string;
  /** validations since the last one that improved on the best by MIN_RELATIVE_IMPROVEMENT */
  sinceImprovement: number;
  /** halvings of the learning rates since that improvement */
  reductions: number;
  /** the factor of both learning rates: 1, then LR_DECAY per halving */
  lrScale: number;
}

export function initialSchedule(): ScheduleState {
  return { sinceImprovement: 0, reductions: 0, lrScale: 1 };
}

/** The parameters and direct-connection table of the best model, kept aside while training goes on. */
export interface KeptModel {
  /** (P) in the parameter layout */
  params: Float32Array;
  /** (rows, V) the direct-connection table, when the model has one */
  table?: Float32Array;
}

/** Why a run stopped early, in one line. */
export interface EarlyStop {
  reason: 'converged' | 'diverged';
  message: string;
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
  /** the plateau schedule and the best validation (absent in checkpoints written before them) */
  schedule?: ScheduleState;
  /**
   * Set in a checkpoint that holds the best model of a run that went on: the run's latest state, at this
   * step, is in the file beside it (checkpoint.ts, latestPathOf). Such a checkpoint has no optimizer or
   * stream state of its own.
   */
  latestStep?: number;
}

export type DoneReason = 'steps' | 'time' | 'stopped' | 'converged' | 'diverged';

export type TrainEvent =
  | {
      event: 'start'; step: number; charsSeen: number; loss: number; parameters: number; trainChars: number; valChars: number; resumedExactly: boolean;
      /** set by job.ts when a resume could not continue as asked (the latest state beside it was missing...) */
      note?: string;
    }
  | { event: 'progress'; step: number; charsSeen: number; loss: number; charsPerSec: number; elapsedSec: number; fraction: number; etaSec: number }
  | {
      event: 'val'; step: number; charsSeen: number; loss: number; valBitsPerChar: number;
      /** the best validation so far and its step (absent when this one diverged before any best) */
      bestValBitsPerChar?: number; bestStep?: number;
      /** the learning rates' factor after this validation (1, then halved on each plateau) */
      lrScale: number;
    }
  | {
      event: 'done'; step: number; charsSeen: number; loss: number; valBitsPerChar?: number; reason: DoneReason; elapsedSec: number; charsPerSec: number;
      /** the best validation and its step (the model kept), when there was a validation */
      bestValBitsPerChar?: number; bestStep?: number;
      /** why a run stopped as 'converged' or 'diverged', in one line */
      message?: string;
    };

export interface RunOptions {
  /** stop after this many steps in total (counting resumed ones) */
  steps?: number;
  /** stop after this many seconds of this run */
  seconds?: number;
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent) => void;
  /** progress events at most this often (ms); default 500 */
  progressIntervalMs?: number;
  /**
   * called every `checkpointEverySec` seconds with the trainer, to save a checkpoint; the first ones
   * come sooner, at FIRST_CHECKPOINT_SEC and then at twice the time each until the interval is reached
   * (15, 30, 60, 120 s... for the editor: its suggestions start from the first checkpoint, and a young
   * model improves fastest)
   */
  onCheckpoint?: (trainer: Trainer) => Promise<void> | void;
  checkpointEverySec?: number;
}

/** The first checkpoint of a run is written after at most this many seconds. */
export const FIRST_CHECKPOINT_SEC = 15;

/**
 * Seconds from checkpoint `k - 1` (the run's start for k = 0) to checkpoint `k`: FIRST_CHECKPOINT_SEC,
 * then doubling the time since the start (15, 30, 60, 120 s...), never more than `every`.
 */
export function checkpointInterval(k: number, every: number): number {
  return Math.min(every, FIRST_CHECKPOINT_SEC * 2 ** Math.max(0, k - 1));
}

/**
 * The bytes a training step's buffers take in the kernels' memory, from the shapes alone: per position
 * of the batch (N = B x T) the activations of every layer, the probabilities and the transposed operands
 * (bptt.ts), the chunk, and with direct connections its bias, rows and sparse gradient; per thread a
 * gradient and a transposed weight matrix; the parameters. The direct-connection table is not counted:
 * it goes where there is room (inKernelMemory).
 */
export function trainingStepBytes(config: ModelConfig, settings: Pick<TrainSettings, 'seqLength' | 'batchSize' | 'threads' | 'directOrders'>): number {
  const { vocabSize: V, hiddenSize: H, layers: L } = config;
  const { seqLength: T, batchSize: B, directOrders: orders } = settings;
  const N = T * B;
  const threads = Math.max(1, Math.min(settings.threads, B));
  const P = L * (2 * H * H + H) + H * V + V; // about the parameter count (paramLayout)
  const perPosition = 4 * (H * (3 * L + 4) + 2 * V + (orders > 0 ? V * (1 + orders) + 3 * orders : 0)) + 13;
  return N * perPosition + 4 * (B * H * (L + 1) + threads * H * Math.max(H, V) + (threads + 1) * P);
}

/**
 * The most a training step's buffers may take (trainingStepBytes): the WebAssembly kernels' memory (1 GiB,
 * MAX_PAGES) less room for the module's own data, the model's inference buffers and validation. The
 * JavaScript kernels are held to the same limit, so that a setting works or is refused the same way on both.
 */
export const TRAINING_STEP_LIMIT_BYTES = MAX_PAGES * 65536 - 64 * 2 ** 20;

/**
 * Refuses, with the figures and what to lower, a model and batch whose step would not fit the kernels'
 * memory; returns the step's bytes (trainingStepBytes) when it fits.
 */
export function checkTrainingMemory(config: ModelConfig, settings: Pick<TrainSettings, 'seqLength' | 'batchSize' | 'threads' | 'directOrders'>): number {
  const bytes = trainingStepBytes(config, settings);
  if (bytes <= TRAINING_STEP_LIMIT_BYTES) return bytes;
  const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
  throw new Error(`a training step of batch ${settings.batchSize} x sequence length ${settings.seqLength} with hidden size ${config.hiddenSize}, ${config.layers} layer${config.layers === 1 ? '' : 's'} and ${config.vocabSize} symbols needs about ${mb(bytes)}, more than the ${mb(TRAINING_STEP_LIMIT_BYTES)} limit of the kernels' memory: lower the batch size, the sequence length, the hidden size or the layers`);
}

/**
 * The table (and its Adagrad accumulators) in the kernels' memory, where their row kernels run at full
 * speed, when it fits there beside `reserved` bytes (a training step's buffers); as it is otherwise.
 */
function inKernelMemory(from: DirectConnections | DirectConfig, kernels: Kernels, reserved = 0): DirectConnections {
  const existing = from instanceof DirectConnections ? from : undefined;
  const plain = () => {
    const d = existing ?? new DirectConnections(from as DirectConfig);
    d.rowSumSq ??= new Float32Array(d.rowCount);
    return d;
  };
  if (!kernels.shared || (existing && kernels.shared.owns(existing.table))) return plain();
  const config = existing?.config ?? (from as DirectConfig);
  const rows = DirectConnections.layout(config).regionStart[config.orders];
  if (4 * rows * (config.vocabSize + 1) + reserved > TRAINING_STEP_LIMIT_BYTES) return plain();
  let table: Float32Array | undefined;
  try {
    table = kernels.allocF32(rows * config.vocabSize);
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
  /** the part of `val` that each validation reads: the same every time (streams.ts, validationSample) */
  readonly valSample: EncodedFiles | undefined;
  step = 0;
  charsSeen = 0;
  smoothLoss: number;
  history: MetricPoint[] = [];
  lastValBitsPerChar: number | undefined;
  /** true when a resumed run restored its streams and carried state: it continues bit-exactly */
  readonly resumedExactly: boolean;
  /** the best validation, the plateau count and the learning rates' factor */
  schedule: ScheduleState = initialSchedule();
  /** set when the run must stop: the schedule converged, or training diverged */
  earlyStop: EarlyStop | undefined;
  /** the best model's parameters and table while the live ones differ from them (allocated on the first need) */
  private kept: KeptModel | undefined;
  private readonly valFingerprint: string | undefined;
  private readonly rng: Rng;
  private readonly sampler: StreamSampler;
  private readonly steps: SlicedSteps;
  /** (T, B) the batch of the current step */
  private readonly chunk: Chunk;
  /** with direct connections: (N, orders) the rows of each position, and the step's sparse gradient */
  private readonly directRows: Int32Array | undefined;
  private readonly directGrad: DirectGradient | undefined;

  private constructor(model: RnnModel, settings: TrainSettings, train: EncodedFiles, val: EncodedFiles | undefined, state?: TrainingState, kept?: KeptModel) {
    validateTrainSettings(settings);
    this.model = model;
    const V = model.config.vocabSize;
    // before any buffer: a batch that cannot fit is refused with its figures, not a failed allocation
    const directOrders = settings.directOrders === 0 ? 0 : model.direct?.config.orders ?? settings.directOrders;
    const reserved = checkTrainingMemory(model.config, { ...settings, directOrders });
    if (settings.directOrders === 0) model.direct = undefined;
    else model.direct = inKernelMemory(model.direct ?? DirectConnections.configForBudget(settings.directOrders, V, settings.directMB), model.kernels, reserved);
    this.settings = { ...settings, directOrders: model.direct?.config.orders ?? 0 };
    this.train = train;
    this.val = val && val.tokens.length > 0 ? val : undefined;
    const sample = this.val && validationSample(this.val, settings.valMaxChars, model.vocab.idOfCodePoint(10));
    this.valSample = sample && sample.names.length > 0 ? sample : undefined;
    this.valFingerprint = this.valSample && fingerprint(this.valSample);
    const { seqLength: T, batchSize: B } = settings;
    this.optimizer = new Optimizer({ name: settings.optimizer, learningRate: settings.learningRate, clipMode: settings.clipMode, clip: settings.clip }, model.params.length);
    this.rng = new Rng(settings.seed ^ 0x5eed1e55);
    this.sampler = new StreamSampler(train, model.vocab, B, settings.lineStartProb, settings.segmentChars);
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
      this.history = state.history.filter((p) => p.step <= state.step); // a best model's file holds the run's later points too
      const saved = state.optimizer;
      if (saved.name === settings.optimizer && OPTIMIZER_STATE_NAMES[saved.name].every((n) => saved.state[n])) this.optimizer.restore(saved.step, saved.state);
      if (model.direct && state.directSumSq && state.directSumSq.length === model.direct.rowCount) model.direct.rowSumSq!.set(state.directSumSq);
      const r = state.resume;
      const { layers: L, hiddenSize: H } = model.config;
      if (r && r.dataFingerprint === fingerprint(train) && r.streams.pos.length === B && r.carry.length === L * B * H
        && state.settings.seqLength === T && state.settings.seed === settings.seed && state.settings.lineStartProb === settings.lineStartProb
        && (state.settings.segmentChars ?? 0) === settings.segmentChars) {
        this.rng.setState(r.rng);
        this.sampler.setState(r.streams);
        this.steps.setCarry(r.carry);
        this.smoothLoss = r.smoothLoss;
        exact = true;
      } else if (r) {
        this.smoothLoss = r.smoothLoss;
      }
      this.lastValBitsPerChar = lastValidation(this.history)?.valBitsPerChar;
      this.restoreSchedule(state, kept);
    }
    this.resumedExactly = exact;
  }

  /**
   * The saved schedule, with the best model it refers to: the live model itself when the best is at
   * this step, else `kept`. Without the best's parameters, or on another validation sample (the data
   * changed, or there is none), the record of the best starts afresh; the learning rates' factor stays.
   */
  private restoreSchedule(state: TrainingState, kept: KeptModel | undefined): void {
    const saved = state.schedule;
    if (!saved) return;
    this.schedule = { ...saved, best: saved.best && { ...saved.best } };
    const best = saved.best;
    const sameSample = saved.valFingerprint !== undefined && saved.valFingerprint === this.valFingerprint;
    if (best && sameSample && best.step === state.step) {
      this.keepLive();
    } else if (best && sameSample && kept && this.fits(kept)) {
      this.kept = kept;
    } else if (best) {
      this.schedule = { sinceImprovement: 0, reductions: 0, lrScale: saved.lrScale };
    }
    // a run that stopped as converged and is resumed is asked for more training: it gets a fresh
    // patience at its lowered rate (an uninterrupted run would have stopped there, so no exact
    // continuation is lost)
    const s = this.schedule;
    if (this.settings.patience > 0 && s.reductions >= MAX_REDUCTIONS && s.sinceImprovement >= this.settings.patience) {
      s.sinceImprovement = 0;
      s.reductions = 0;
    }
  }

  private fits(kept: KeptModel): boolean {
    const table = this.model.direct?.table;
    return kept.params.length === this.model.params.length && (table ? kept.table?.length === table.length : kept.table === undefined);
  }

  /** A new model on the given data, its vocabulary built from the training files. */
  static create(vocab: Vocab, train: EncodedFiles, val: EncodedFiles | undefined, settings: TrainSettings, kernels: Kernels): Trainer {
    validateTrainSettings(settings);
    const config: ModelConfig = { vocabSize: vocab.size, hiddenSize: settings.hiddenSize, layers: settings.layers };
    const model = RnnModel.create(config, vocab, settings.seed, kernels);
    return new Trainer(model, settings, train, val);
  }

  /**
   * Continues a saved run on the given data (encoded with the model's vocabulary). The optimizer state
   * carries over when the checkpoint has it; the streams and carried state too when the data and
   * chunking are unchanged; the schedule too, with `kept`, the best model's parameters, when the saved
   * best is not the saved state itself (job.ts reads them from the checkpoint beside it).
   */
  static resume(model: RnnModel, state: TrainingState, train: EncodedFiles, val: EncodedFiles | undefined, overrides: Partial<TrainSettings> = {}, kept?: KeptModel): Trainer {
    const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, ...state.settings, ...overrides, hiddenSize: model.config.hiddenSize, layers: model.config.layers };
    return new Trainer(model, settings, train, val, state, kept);
  }

  /**
   * What the direct table is multiplied by every DIRECT_DECAY_EVERY steps at learning-rate scale
   * `lrScale`: exp(-r x lrScale x DIRECT_DECAY_EVERY), r = min(directDecay / steps per pass over the
   * training data, MAX_DIRECT_DECAY_PER_STEP), a pass being the training characters over B x T a step.
   */
  directDecayFactor(lrScale: number): number {
    const { batchSize: B, seqLength: T, directDecay } = this.settings;
    const stepsPerPass = Math.max(1, this.train.tokens.length / (B * T));
    const perStep = Math.min(directDecay / stepsPerPass, MAX_DIRECT_DECAY_PER_STEP);
    return Math.exp(-perStep * lrScale * DIRECT_DECAY_EVERY);
  }

  /**
   * One optimizer step on one chunk; returns the chunk's mean loss (nats per character). A loss or
   * gradient that is not finite changes nothing and sets `earlyStop` (diverged).
   */
  trainStep(): number {
    const { seqLength: T } = this.settings;
    const direct = this.model.direct;
    this.sampler.fill(this.chunk, T, this.rng, direct && { table: direct, rows: this.directRows! });
    if (direct) this.steps.sumDirect(direct.table, this.directRows!, direct.config.orders);
    const { lossSum, weight } = this.steps.step(this.chunk);
    const loss = weight > 0 ? lossSum / weight : 0;
    const scale = this.schedule.lrScale;
    if (!Number.isFinite(loss) || !Number.isFinite(this.optimizer.update(this.model.params, this.steps.gradient, scale))) {
      this.earlyStop = { reason: 'diverged', message: `training diverged at step ${this.step + 1}: the ${Number.isFinite(loss) ? 'gradient' : 'loss'} is not finite` };
      return loss;
    }
    if (direct) {
      // the table's gradient: the loss summed (not averaged) over positions, for its row-wise Adagrad
      const grad = this.directGrad!;
      grad.clear();
      grad.assign(this.directRows!, this.chunk.weight, this.chunk.weight.length, direct.config.orders);
      this.steps.scatterDirect(grad, direct.config.orders, this.chunk.weight, weight);
      direct.update(grad, this.settings.directLearningRate * scale, this.model.kernels);
      if (this.settings.directDecay > 0 && (this.step + 1) % DIRECT_DECAY_EVERY === 0) direct.scale(this.directDecayFactor(scale));
    }
    this.step++;
    this.charsSeen += weight;
    this.smoothLoss = this.step === 1 && this.history.length === 0 ? loss : 0.95 * this.smoothLoss + 0.05 * loss;
    const uniform = Math.log(this.model.config.vocabSize);
    if (this.smoothLoss > uniform + DIVERGED_LOSS_NATS) {
      this.earlyStop = { reason: 'diverged', message: `training diverged at step ${this.step}: the training loss ${this.smoothLoss.toFixed(3)} nats/char is worse than uniform guessing (${uniform.toFixed(2)} nats/char); lower the learning rate` };
    }
    if (this.step % this.settings.historyEverySteps === 0) this.history.push({ step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss });
    return loss;
  }

  /**
   * Bits per character on the validation sample (spread over the held-out files, at most valMaxChars),
   * recorded in the history, then judged by the schedule: a new best is kept aside, a plateau lowers the
   * learning rates or ends the run, a divergence ends it.
   */
  validate(): number | undefined {
    if (!this.valSample || this.settings.valMaxChars === 0) return undefined;
    const bpc = bitsPerChar(this.model, this.valSample).bitsPerChar;
    this.lastValBitsPerChar = bpc;
    const last = this.history[this.history.length - 1];
    if (last && last.step === this.step) last.valBitsPerChar = bpc;
    else this.history.push({ step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, valBitsPerChar: bpc });
    this.judge(bpc);
    return bpc;
  }

  /** The schedule's verdict on a validation (see the file's comment). */
  private judge(bpc: number): void {
    const s = this.schedule;
    const best = s.best?.valBitsPerChar;
    const uniform = Math.log2(this.model.config.vocabSize);
    // validation far above the best while training holds (within the smoothed loss's noise) is not
    // divergence: a tiny validation set of an overfitting model swings by bits, and a model's state from
    // zero can go astray on a kind of start it has not trained on lately (streams.ts) while training is sound
    const holding = s.best?.loss !== undefined && this.smoothLoss <= s.best.loss + MEMORISING_LOSS_NATS;
    if (!Number.isFinite(bpc) || (!holding && (bpc > uniform + UNIFORM_SLACK || (best !== undefined && bpc > best + DIVERGED_BITS)))) {
      const worse = !Number.isFinite(bpc) ? 'is not finite'
        : best !== undefined && bpc > best + DIVERGED_BITS ? `is more than ${DIVERGED_BITS} bit/char above the best, ${best.toFixed(3)} at step ${s.best!.step}`
        : `is worse than uniform guessing (${uniform.toFixed(2)} bits/char)`;
      this.earlyStop = { reason: 'diverged', message: `training diverged at step ${this.step}: validation ${bpc.toFixed(3)} bits/char ${worse}; lower the learning rate` };
      return;
    }
    if (best === undefined || bpc < best * (1 - MIN_RELATIVE_IMPROVEMENT)) {
      s.sinceImprovement = 0;
      s.reductions = 0;
    } else {
      s.sinceImprovement++;
    }
    if (best === undefined || bpc < best) {
      s.best = { valBitsPerChar: bpc, step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss };
      s.valFingerprint = this.valFingerprint;
      this.keepLive();
    }
    const patience = this.settings.patience;
    if (patience > 0 && s.sinceImprovement >= patience) {
      if (s.reductions >= MAX_REDUCTIONS) {
        this.earlyStop = { reason: 'converged', message: `validation has not improved on ${s.best!.valBitsPerChar.toFixed(3)} bits/char (step ${s.best!.step}) in ${patience} validations after ${MAX_REDUCTIONS} halvings of the learning rate` };
        return;
      }
      s.sinceImprovement = 0;
      s.reductions++;
      s.lrScale *= LR_DECAY;
    }
  }

  /** Copies the live parameters and table aside as the best model (into the same buffers each time). */
  private keepLive(): void {
    const table = this.model.direct?.table;
    if (!this.kept || !this.fits(this.kept)) {
      this.kept = { params: new Float32Array(this.model.params.length), table: table && new Float32Array(table.length) };
    }
    this.kept.params.set(this.model.params);
    if (table) this.kept.table!.set(table);
  }

  /** Whether the live model is the one to keep: it is the best, or nothing was validated yet. */
  get liveIsBest(): boolean {
    const best = this.schedule.best;
    return best === undefined || best.step === this.step;
  }

  /**
   * The best model and its checkpoint's training state, when the live model is not it: the best's step
   * and characters seen, the settings, the schedule, the run's whole history (the validations after the
   * best show why it was kept), `latestStep` saying where the run went on, and no optimizer or stream
   * state (job.ts writes the live state beside it). Its arrays are the trainer's own copy: encode them
   * before training goes on.
   */
  keptCheckpoint(): { model: RnnModel; training: TrainingState } | undefined {
    const best = this.schedule.best;
    if (!best || best.step === this.step || !this.kept) return undefined;
    const model = new RnnModel(this.model.config, this.model.vocab, this.kept.params, this.model.kernels);
    if (this.model.direct) model.direct = new DirectConnections(this.model.direct.config, this.kept.table!);
    const training: TrainingState = {
      settings: { ...this.settings },
      step: best.step,
      charsSeen: best.charsSeen,
      optimizer: { name: this.settings.optimizer, step: 0, state: {} },
      history: this.history.map((p) => ({ ...p })),
      schedule: { ...this.schedule, best: { ...best } },
      latestStep: this.step,
    };
    return { model, training };
  }

  /**
   * Puts the best model's parameters and table into the live model, for a caller that uses the model
   * once training is over (the demo): the latest state is gone from memory after it.
   */
  useKeptModel(): void {
    const best = this.schedule.best;
    if (!best || best.step === this.step || !this.kept) return;
    this.model.params.set(this.kept.params);
    if (this.model.direct && this.kept.table) this.model.direct.table.set(this.kept.table);
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
    let checkpoints = 0;
    const elapsed = () => (performance.now() - t0) / 1000;
    const rate = () => (this.charsSeen - startChars) / Math.max(1e-9, elapsed());
    const fraction = () => {
      const f: number[] = [];
      if (opts.steps !== undefined) f.push(this.step / Math.max(1, opts.steps));
      if (opts.seconds !== undefined) f.push(elapsed() / opts.seconds);
      return Math.min(1, Math.max(0, ...f));
    };
    emit({ event: 'start', step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, parameters: this.model.params.length, trainChars: this.train.tokens.length, valChars: this.val?.tokens.length ?? 0, resumedExactly: this.resumedExactly });
    let reason: DoneReason = 'steps';
    let validatedAt = -1;
    const validate = () => {
      const bpc = this.validate();
      validatedAt = this.step;
      const best = this.schedule.best;
      if (bpc !== undefined) emit({ event: 'val', step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, valBitsPerChar: bpc, bestValBitsPerChar: best?.valBitsPerChar, bestStep: best?.step, lrScale: this.schedule.lrScale });
    };
    for (;;) {
      if (this.earlyStop) { reason = this.earlyStop.reason; break; }
      if (opts.signal?.aborted) { reason = 'stopped'; break; }
      if (opts.steps !== undefined && this.step >= opts.steps) { reason = 'steps'; break; }
      if (opts.seconds !== undefined && elapsed() >= opts.seconds) { reason = 'time'; break; }
      if (opts.steps === undefined && opts.seconds === undefined) throw new Error('run needs steps or seconds');
      this.trainStep();
      if (this.earlyStop) continue;
      if (this.step % this.settings.valEverySteps === 0) validate();
      const now = performance.now();
      if (now - lastProgress >= progressMs) {
        lastProgress = now;
        const fr = fraction();
        emit({ event: 'progress', step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, charsPerSec: rate(), elapsedSec: elapsed(), fraction: fr, etaSec: fr > 0 ? (elapsed() * (1 - fr)) / fr : Infinity });
      }
      const every = opts.checkpointEverySec === undefined ? undefined : checkpointInterval(checkpoints, opts.checkpointEverySec);
      if (opts.onCheckpoint && every !== undefined && now - lastCheckpoint >= every * 1000) {
        lastCheckpoint = now;
        checkpoints++;
        await opts.onCheckpoint(this);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (validatedAt !== this.step && !this.earlyStop) {
      validate();
      // the last validation may find the run diverged: then nothing of its state is to be saved
      if ((this.earlyStop as EarlyStop | undefined)?.reason === 'diverged') reason = 'diverged';
    }
    const best = this.schedule.best;
    const done: TrainEvent & { event: 'done' } = {
      event: 'done', step: this.step, charsSeen: this.charsSeen, loss: this.smoothLoss, valBitsPerChar: this.lastValBitsPerChar, reason, elapsedSec: elapsed(), charsPerSec: rate(),
      bestValBitsPerChar: best?.valBitsPerChar, bestStep: best?.step, message: this.earlyStop?.message,
    };
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
      schedule: { ...this.schedule, best: this.schedule.best && { ...this.schedule.best } },
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

/**
 * What a training run is and saves: its settings (with their defaults and validation), the metrics
 * history, the plateau schedule's state and the state a resumed run continues from. The trainer
 * (train/trainer.ts) fills these and the checkpoint (checkpoint.ts) stores them, so they live below both.
 */
import { DIRECT_LIMITS } from '../model/direct-connections';
import { validateConfig } from '../model/model';
import { ClipMode, DEFAULT_LEARNING_RATE, OptimizerName, validateOptimizerSettings } from '../model/optimizer';

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

/**
 * The bounds of the whole-number training settings (inclusive): the one source the trainer checks
 * (validateTrainSettings), the CLI's flags read (src/cli/train.ts) and the editor's settings stay within.
 */
export const TRAIN_LIMITS = {
  seqLength: { min: 1, max: 4096 },
  batchSize: { min: 1, max: 1024 },
  seed: { min: 0, max: 0xffffffff },
  valEverySteps: { min: 1, max: 1e9 },
  valMaxChars: { min: 0, max: 1e9 },
  patience: { min: 0, max: 1e6 },
  historyEverySteps: { min: 1, max: 1e9 },
  /** 0 (to the end of the file) or from min */
  segmentChars: { min: 2, max: 1e9 },
  threads: { min: 1, max: 64 },
  /** the direct table's learning rate: above min (exclusive), at most max */
  directLearningRate: { min: 0, max: 10 },
  directDecay: { min: 0, max: 10 },
} as const;

export function validateTrainSettings(s: TrainSettings): void {
  validateConfig({ vocabSize: 2, hiddenSize: s.hiddenSize, layers: s.layers });
  const int = (name: 'seqLength' | 'batchSize' | 'seed' | 'valEverySteps' | 'valMaxChars' | 'patience' | 'historyEverySteps' | 'threads') => {
    const v = s[name];
    const { min, max } = TRAIN_LIMITS[name];
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${v}`);
  };
  int('seqLength');
  int('batchSize');
  int('seed');
  int('valEverySteps');
  int('valMaxChars');
  int('patience');
  int('historyEverySteps');
  const seg = TRAIN_LIMITS.segmentChars;
  if (!(s.segmentChars === 0 || (Number.isInteger(s.segmentChars) && s.segmentChars >= seg.min && s.segmentChars <= seg.max))) throw new Error(`segmentChars must be 0 (to the end of the file) or an integer from ${seg.min} to ${seg.max}, got ${s.segmentChars}`);
  int('threads');
  if (!(Number.isInteger(s.directOrders) && s.directOrders >= 0 && s.directOrders <= DIRECT_LIMITS.orders.max)) throw new Error(`directOrders must be an integer from 0 to ${DIRECT_LIMITS.orders.max}, got ${s.directOrders}`);
  const { min: minMB, max: maxMB } = DIRECT_LIMITS.megabytes;
  if (!(s.directMB >= minMB && s.directMB <= maxMB)) throw new Error(`directMB must be from ${minMB} to ${maxMB} (megabytes), got ${s.directMB}`);
  const dlr = TRAIN_LIMITS.directLearningRate, decay = TRAIN_LIMITS.directDecay;
  if (!(s.directLearningRate > dlr.min && s.directLearningRate <= dlr.max)) throw new Error(`directLearningRate must be in (${dlr.min}, ${dlr.max}], got ${s.directLearningRate}`);
  if (!(s.directDecay >= decay.min && s.directDecay <= decay.max)) throw new Error(`directDecay must be from ${decay.min} to ${decay.max}, got ${s.directDecay}`);
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

/** The saved state of the streams: per stream, the current position and the end of its segment. */
export interface StreamState {
  pos: number[];
  end: number[];
}

/** What a resumed run needs to continue exactly where a run stopped. */
interface ResumeState {
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

/**
 * The training loop: B streams of chunks of T steps, truncated BPTT, an optimizer step per chunk,
 * periodic validation on held-out files, and a state that a checkpoint captures completely, so that a
 * resumed run continues exactly as an uninterrupted one would. Validation decides what is kept and how
 * training goes on (schedule.ts: the best model, plateaus, divergence; the loss-based divergence checks
 * of each step are here).
 */
import * as os from 'node:os';
import { DEFAULT_TRAIN_SETTINGS, initialSchedule, lastValidation, MetricPoint, ScheduleState, TrainingState, TrainSettings, validateTrainSettings } from '../checkpoint/training-state';
import { Kernels } from '../kernels/kernels';
import { bitsPerChar } from '../model/bits-per-char';
import { allocChunk, Chunk, freeChunk } from '../model/bptt';
import { DirectConnections, DirectGradient } from '../model/direct-connections';
import { EncodedFiles, fingerprint } from '../model/encoded-text';
import { ModelConfig, RnnModel } from '../model/model';
import { Optimizer, OPTIMIZER_STATE_NAMES } from '../model/optimizer';
import { Rng } from '../model/rng';
import { Vocab } from '../model/vocab';
import { checkpointInterval, DoneReason, TrainEvent } from './events';
import { checkTrainingMemory, inKernelMemory } from './memory';
import { DIVERGED_LOSS_NATS, EarlyStop, judgeValidation, MAX_REDUCTIONS } from './schedule';
import { StreamSampler, validationSample } from './streams';
import { SlicedSteps } from './threads/slices';

/** The direct-connection table's decay is applied every this many steps (one pass over the table). */
export const DIRECT_DECAY_EVERY = 100;
/**
 * The direct table's decay rate per step is at most this, whatever the corpus: on a tiny corpus (a pass
 * of a few steps) the per-pass rate would wipe the table every DIRECT_DECAY_EVERY steps. 0.001 a step is
 * what the development corpora of 0.3 and 1.6 MB were measured to gain from (0.003 lost); corpora of
 * 1.6 MB and more are below it at the default 0.5 a pass.
 */
export const MAX_DIRECT_DECAY_PER_STEP = 1e-3;

/** Every core but one, at least one: the machine stays responsive while it trains. */
export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/** The parameters and direct-connection table of the best model, kept aside while training goes on. */
export interface KeptModel {
  /** (P) in the parameter layout */
  params: Float32Array;
  /** (rows, V) the direct-connection table, when the model has one */
  table?: Float32Array;
}

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

  /** The schedule's verdict on a validation (schedule.ts): a new best is kept aside; a stop is recorded. */
  private judge(bpc: number): void {
    const verdict = judgeValidation(this.schedule, {
      bpc, step: this.step, charsSeen: this.charsSeen, smoothLoss: this.smoothLoss,
      vocabSize: this.model.config.vocabSize, patience: this.settings.patience, valFingerprint: this.valFingerprint,
    });
    if (verdict.newBest) this.keepLive();
    if (verdict.stop) this.earlyStop = verdict.stop;
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

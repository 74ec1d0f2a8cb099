/**
 * A whole training job, as the CLI and the editor's background process run it: read the corpus,
 * prepare the data, create or resume the model, train for a budget, save checkpoints periodically and
 * at the end (also when stopped).
 *
 * Two files (checkpoint.ts): `out` always holds the model to use, the best by validation (the latest
 * when nothing was validated); while the latest state is not that model, it is written beside it at
 * latestPathOf(out) and `out` holds the best model without optimizer or stream state. A resume from
 * `out` continues from that latest state when it belongs to it. A diverged run writes nothing of its
 * diverged state: `out` keeps the best, and a latest state this run wrote is removed, so that a resume
 * continues from the best.
 */
import { promises as fsp, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { keptPathOf, latestPathOf, LoadedCheckpoint, loadCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint';
import { Corpus, CorpusOptions, readCorpus } from '../corpus/corpus';
import { defaultKernels } from '../kernels/default-kernels';
import { Kernels } from '../kernels/kernels';
import { releaseModel } from '../model/model';
import { prepareData } from './prepare';
import { fileKind } from '../common/read-file';
import { KeptModel, Trainer } from './trainer';
import { TrainEvent } from './events';
import { DEFAULT_TRAIN_SETTINGS, TrainSettings } from '../checkpoint/training-state';

export interface TrainingJobOptions {
  paths: string[];
  /** where checkpoints are written */
  out: string;
  /** continue from this checkpoint (optimizer state included) */
  resume?: string;
  /**
   * With `resume`: continue the run's latest state (the default: the file beside `resume` when it
   * holds it), or the model `resume` holds, the best by validation (the editor's short fine-tuning).
   */
  continueFrom?: 'latest' | 'kept';
  /** settings for a new model; when resuming, the ones given here override the saved ones (not the shape) */
  settings?: Partial<TrainSettings>;
  corpus?: CorpusOptions;
  vocabCap?: number;
  steps?: number;
  seconds?: number;
  checkpointEverySec?: number;
  signal?: AbortSignal;
  onEvent?: (e: JobEvent) => void;
  kernels?: Kernels;
}

export type JobEvent =
  | { event: 'corpus'; files: number; trainFiles: number; valFiles: number; skipped: number; chars: number; unknownChars: number; corpus: Corpus }
  | TrainEvent
  /** `path` now holds the model of step `keptStep` (the best by validation); the run's state at `step` is there or beside it */
  | { event: 'checkpoint'; step: number; charsSeen: number; loss: number; path: string; keptStep: number };

/** What the job left at `out` when it ended. */
export interface KeptResult {
  /** the checkpoint the editor, `eval` and `complete` use */
  path: string;
  /** the step of the model it holds, and its validation (none when nothing was validated) */
  step: number;
  valBitsPerChar?: number;
  /** the file with the run's latest state, when that state is not the model kept */
  latestPath?: string;
  latestStep?: number;
  /** false when this run wrote nothing there (it diverged before finding a better model) */
  written: boolean;
}

export async function runTrainingJob(opts: TrainingJobOptions): Promise<{ trainer: Trainer; done: TrainEvent & { event: 'done' }; kept: KeptResult }> {
  const userEmit = opts.onEvent ?? (() => undefined);
  await checkOutputPath(opts.out);
  const kernels = opts.kernels ?? defaultKernels();
  const from = opts.resume ? await loadResumePoint(opts.resume, kernels, opts.continueFrom ?? 'latest') : undefined;
  const resumed = from?.checkpoint;
  if (resumed && !resumed.training) throw new Error(`${opts.resume}: holds a model but no training state to resume`);
  const emit = (e: JobEvent) => userEmit(e.event === 'start' && from?.note ? { ...e, note: from.note } : e);
  if (resumed) {
    const { hiddenSize, layers } = resumed.model.config;
    const s = opts.settings ?? {};
    if (s.hiddenSize !== undefined && s.hiddenSize !== hiddenSize) throw new Error(`cannot resume with hidden size ${s.hiddenSize}: the checkpoint's model has ${hiddenSize}`);
    if (s.layers !== undefined && s.layers !== layers) throw new Error(`cannot resume with ${s.layers} layers: the checkpoint's model has ${layers}`);
  }
  const corpus = await readCorpus(opts.paths, { ...opts.corpus, signal: opts.signal });
  const data = prepareData(corpus, { vocab: resumed?.model.vocab, vocabCap: opts.vocabCap });
  emit({
    event: 'corpus',
    files: corpus.files.length,
    trainFiles: data.train.names.length,
    valFiles: data.val.names.length,
    skipped: corpus.skipped.length,
    chars: corpus.totalChars,
    unknownChars: data.unknownChars,
    corpus,
  });
  const trainer = resumed
    ? Trainer.resume(resumed.model, resumed.training!, data.train, data.val, opts.settings, from?.kept)
    : Trainer.create(data.vocab, data.train, data.val, { ...DEFAULT_TRAIN_SETTINGS, ...opts.settings }, kernels);

  const latestPath = latestPathOf(opts.out);
  // the step of the best model known to be at `out` already (resumed from it), so a diverged run leaves it be
  let outBestStep = from && path.resolve(from.keptPath) === path.resolve(opts.out) ? from.keptStep : undefined;
  let wroteLatest = false;
  let written = false;
  const save = async (t: Trainer) => {
    const kept = t.keptCheckpoint();
    const best = t.schedule.best;
    if (t.earlyStop?.reason === 'diverged') {
      // only a best model found by this run, never the diverged state
      if (best && best.step !== outBestStep) {
        if (kept) {
          kept.training.latestStep = undefined;
          await saveCheckpoint(opts.out, kept.model, kept.training);
        } else {
          await saveCheckpoint(opts.out, t.model, t.snapshot());
        }
        outBestStep = best.step;
        written = true;
        emit({ event: 'checkpoint', step: t.step, charsSeen: t.charsSeen, loss: t.smoothLoss, path: opts.out, keptStep: best.step });
      }
      if (wroteLatest) await fsp.rm(latestPath, { force: true });
      wroteLatest = false;
      return;
    }
    if (kept) {
      await saveCheckpoint(latestPath, t.model, t.snapshot());
      wroteLatest = true;
      await saveCheckpoint(opts.out, kept.model, kept.training);
    } else {
      await saveCheckpoint(opts.out, t.model, t.snapshot());
      await fsp.rm(latestPath, { force: true });
      wroteLatest = false;
    }
    outBestStep = best?.step;
    written = true;
    emit({ event: 'checkpoint', step: t.step, charsSeen: t.charsSeen, loss: t.smoothLoss, path: opts.out, keptStep: kept ? kept.training.step : t.step });
  };
  const done = await trainer.run({
    steps: opts.steps,
    seconds: opts.seconds,
    signal: opts.signal,
    onEvent: emit,
    onCheckpoint: save,
    checkpointEverySec: opts.checkpointEverySec,
  });
  await save(trainer);
  const best = trainer.schedule.best;
  const keptLatest = wroteLatest && best !== undefined && best.step !== trainer.step;
  const kept: KeptResult = {
    path: opts.out,
    step: best?.step ?? trainer.step,
    valBitsPerChar: best?.valBitsPerChar,
    latestPath: keptLatest ? latestPath : undefined,
    latestStep: keptLatest ? trainer.step : undefined,
    written,
  };
  trainer.useKeptModel(); // whoever uses the trainer's model now gets the model kept
  return { trainer, done, kept };
}

/** Where a resume starts: the checkpoint to continue, the best model when it is another file, and what was decided. */
interface ResumePoint {
  checkpoint: LoadedCheckpoint;
  /** the best model's parameters, when the checkpoint continued is not it */
  kept?: KeptModel;
  /** the file that holds the run's best model, and its step */
  keptPath: string;
  keptStep?: number;
  /** a line for the user when the resume could not continue as asked */
  note?: string;
}

/**
 * Reads what a resume from `file` continues: a checkpoint holding the best model of a run that went
 * on (`latestStep`) continues from the latest state beside it, with its own parameters as the best
 * model's; a latest state given directly finds its best model beside it the same way. When the other
 * file is missing or belongs to another run, the one given is continued alone, and `note` says so.
 */
async function loadResumePoint(file: string, kernels: Kernels, continueFrom: 'latest' | 'kept'): Promise<ResumePoint> {
  const loaded = await loadCheckpoint(file, kernels);
  const t = loaded.training;
  const best = t?.schedule?.best;
  if (!t) return { checkpoint: loaded, keptPath: file };
  if (t.latestStep !== undefined) {
    if (continueFrom === 'kept') return { checkpoint: loaded, keptPath: file, keptStep: t.step };
    const latestPath = latestPathOf(file);
    const latest = await loadIfPossible(latestPath, kernels);
    if (latest.checkpoint && belongsTo(latest.checkpoint, loaded)) {
      const kept = keptCopy(loaded);
      return { checkpoint: latest.checkpoint, kept, keptPath: file, keptStep: t.step };
    }
    if (latest.checkpoint?.training && latest.checkpoint.training.step > t.latestStep && (latest.checkpoint.training.schedule?.best?.step ?? -1) > t.step) {
      // the process stopped between writing a newer latest state and its best model: the latest state is
      // complete and newer than both files' pair; its best model was never written, so it is looked for afresh
      releaseModel(loaded.model);
      return { checkpoint: latest.checkpoint, keptPath: file, note: `the best model found after step ${t.step} was not saved before the run stopped: continuing from the latest state (step ${latest.checkpoint.training.step}), the best is looked for afresh` };
    }
    if (latest.checkpoint) releaseModel(latest.checkpoint.model);
    const why = latest.problem ?? 'holds another run';
    return { checkpoint: loaded, keptPath: file, keptStep: t.step, note: `the latest state ${latestPath} ${why}: continuing from the best model (step ${t.step}) with a fresh optimizer state` };
  }
  if (best && best.step < t.step) {
    // a latest state: its best model is beside it
    const keptPath = keptPathOf(file);
    const other = keptPath ? await loadIfPossible(keptPath, kernels) : { checkpoint: undefined, problem: 'is not named as a latest state' };
    if (keptPath && other.checkpoint && belongsTo(loaded, other.checkpoint)) {
      const kept = keptCopy(other.checkpoint);
      return { checkpoint: loaded, kept, keptPath, keptStep: best.step };
    }
    if (other.checkpoint) releaseModel(other.checkpoint.model);
    return { checkpoint: loaded, keptPath: file, note: `the best model of this run (step ${best.step}) is not beside ${file}: the best is looked for afresh` };
  }
  return { checkpoint: loaded, keptPath: file, keptStep: best?.step === t.step ? t.step : undefined };
}

async function loadIfPossible(file: string, kernels: Kernels): Promise<{ checkpoint?: LoadedCheckpoint; problem?: string }> {
  try {
    return { checkpoint: await loadCheckpoint(file, kernels) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { problem: e.code === 'ENOENT' || /no such file/.test(e.message) ? 'is missing' : `cannot be read (${e.message})` };
  }
}

/** Whether `latest` is the latest state of the run whose best model `kept` holds. */
function belongsTo(latest: LoadedCheckpoint, kept: LoadedCheckpoint): boolean {
  const l = latest.training, k = kept.training;
  const best = l?.schedule?.best;
  if (!l || !k || !best || best.step !== k.step || l.step < k.step || best.valBitsPerChar !== k.schedule?.best?.valBitsPerChar) return false;
  const a = latest.model, b = kept.model;
  return a.config.vocabSize === b.config.vocabSize && a.config.hiddenSize === b.config.hiddenSize && a.config.layers === b.config.layers
    && a.vocab.sameAs(b.vocab)
    && a.direct?.config.orders === b.direct?.config.orders && a.direct?.config.rowsPerOrder === b.direct?.config.rowsPerOrder;
}

/** The best model's arrays, outside the kernels' memory (the loaded model is released). */
function keptCopy(loaded: LoadedCheckpoint): KeptModel {
  const kept: KeptModel = { params: Float32Array.from(loaded.model.params), table: loaded.model.direct?.table };
  if (kept.table) loaded.model.direct = undefined; // the decoded array itself, not the kernels' memory: keep it
  releaseModel(loaded.model);
  return kept;
}

/**
 * Fails before any work when checkpoints could not be written: `out` and the latest state beside it
 * must each be a regular file or nothing yet (not a folder, a FIFO, a device, nor a file of another kind
 * under a name that is not `.safetensors`: a source file given as `out` by mistake), in a folder that
 * exists and can be written to. `what` names the file in the messages; `withLatest` checks the latest
 * state's name beside it too.
 */
export async function checkOutputPath(out: string, what = 'the checkpoint', withLatest = true): Promise<void> {
  if (out === '' || /[\\/]$/.test(out)) throw new Error(`cannot write ${what} ${out || "''"}: give a file name, not a folder`);
  const dir = path.dirname(path.resolve(out));
  try {
    const stat = await fsp.stat(dir);
    if (!stat.isDirectory()) throw new Error(`cannot write ${what} ${out}: ${dir} is not a folder`);
    await fsp.access(dir, fsConstants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`cannot write ${what} ${out}: the folder ${dir} does not exist`);
    if (code === 'ENOTDIR') throw new Error(`cannot write ${what} ${out}: a part of ${dir} is not a folder`);
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`cannot write ${what} ${out}: no permission to write in ${dir}`);
    throw err;
  }
  for (const file of withLatest ? [out, latestPathOf(out)] : [out]) {
    let stat;
    try {
      stat = await fsp.stat(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // nothing there yet (or a broken link, which the write replaces)
      throw new Error(`cannot write ${what} ${file}: ${code ?? (err as Error).message}`);
    }
    if (stat.isDirectory()) throw new Error(`cannot write ${what} ${file}: it is a folder (give a file name)`);
    if (!stat.isFile()) throw new Error(`cannot write ${what} ${file}: it is not a regular file (${fileKind(stat)})`);
    // a `.safetensors` name is the run's own (a damaged checkpoint there may be replaced); any other
    // name must hold a checkpoint already
    if (stat.size > 0 && !file.endsWith('.safetensors') && !(await looksLikeSafetensors(file, stat.size))) {
      throw new Error(`cannot write ${what} ${file}: it exists and is not a safetensors file (a source file given as --out?); it is left as it is`);
    }
  }
}

/**
 * Whether a file starts as a safetensors file does: an 8-byte little-endian header length that fits the
 * file, then '{'. Only a sniff, so that `out` never replaces a user's other file; loading checks the rest.
 */
async function looksLikeSafetensors(file: string, size: number): Promise<boolean> {
  if (size < 9) return false;
  const handle = await fsp.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const head = Buffer.alloc(9);
    const { bytesRead } = await handle.read(head, 0, 9, 0);
    return bytesRead === 9 && head.readBigUInt64LE(0) <= BigInt(size - 8) && head[8] === 0x7b;
  } finally {
    await handle.close();
  }
}

/**
 * A whole training job, as the CLI and the editor's background process run it: read the corpus,
 * prepare the data, create or resume the model, train for a budget, save checkpoints periodically and
 * at the end (also when stopped).
 */
import { promises as fsp, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { Corpus, CorpusOptions, readCorpus } from './corpus';
import { defaultKernels } from './backends';
import { Kernels } from './kernels';
import { prepareData } from './prepare';
import { DEFAULT_TRAIN_SETTINGS, TrainEvent, Trainer, TrainSettings } from './trainer';

export interface TrainingJobOptions {
  paths: string[];
  /** where checkpoints are written */
  out: string;
  /** continue from this checkpoint (optimizer state included) */
  resume?: string;
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
  | { event: 'checkpoint'; step: number; charsSeen: number; loss: number; path: string };

export async function runTrainingJob(opts: TrainingJobOptions): Promise<{ trainer: Trainer; done: TrainEvent & { event: 'done' } }> {
  const emit = opts.onEvent ?? (() => undefined);
  await checkWritableFolder(opts.out);
  const kernels = opts.kernels ?? defaultKernels();
  const resumed = opts.resume ? await loadCheckpoint(opts.resume, kernels) : undefined;
  if (resumed && !resumed.training) throw new Error(`${opts.resume}: holds a model but no training state to resume`);
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
    ? Trainer.resume(resumed.model, resumed.training!, data.train, data.val, opts.settings)
    : Trainer.create(data.vocab, data.train, data.val, { ...DEFAULT_TRAIN_SETTINGS, ...opts.settings }, kernels);
  const save = async (t: Trainer) => {
    await saveCheckpoint(opts.out, t.model, t.snapshot());
    emit({ event: 'checkpoint', step: t.step, charsSeen: t.charsSeen, loss: t.smoothLoss, path: opts.out });
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
  return { trainer, done };
}

/** Fails before any work when checkpoints could not be written. */
async function checkWritableFolder(out: string): Promise<void> {
  const dir = path.dirname(path.resolve(out));
  try {
    const stat = await fsp.stat(dir);
    if (!stat.isDirectory()) throw new Error(`cannot write the checkpoint ${out}: ${dir} is not a folder`);
    await fsp.access(dir, fsConstants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`cannot write the checkpoint ${out}: the folder ${dir} does not exist`);
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`cannot write the checkpoint ${out}: no permission to write in ${dir}`);
    throw err;
  }
}

/**
 * `char-rnn train <path...> --out FILE`: trains on files, with a progress bar, plain lines or JSON events.
 * FILE ends holding the best model by validation; the run's latest state, when it is another, is beside
 * it (FILE.latest.safetensors), and `--resume FILE` continues from it. A diverged run stops with one line
 * on stderr and status 2, and leaves FILE's best model as it was.
 */
import * as path from 'node:path';
import { SingleBar } from 'cli-progress';
import { CorpusOptions, formatCorpusReport, MAX_VAL_FRACTION } from '../core/corpus/corpus';
import { DIRECT_LIMITS } from '../core/model/direct-connections';
import { MODEL_LIMITS } from '../core/model/model';
import { JobEvent, runTrainingJob } from '../core/train/job';
import { OptimizerName } from '../core/model/optimizer';
import { defaultThreads } from '../core/train/trainer';
import { TRAIN_LIMITS, TrainSettings } from '../core/checkpoint/training-state';
import { KeptResult } from '../core/train/job';
import { flag, num, parse, Parsed, requireStr, str, UsageError } from './args';

export const TRAIN_USAGE = `char-rnn train <path...> --out FILE [--hidden 256 --layers 1 --seq 64 --batch 32 --optimizer adam|adagrad
    --lr N --clip 5 --clip-mode norm|value --seed 1 --seconds 60 | --steps N --resume FILE --val-fraction 0.05
    --patience 10 (0: no schedule) --max-file-kb 1024 --max-corpus-mb 50 --vocab-size 256 --checkpoint-every 60
    --threads N --direct-orders 8 (0: none) --direct-mb 32 --direct-lr 0.1 --direct-decay 0.5
    --segment-chars 1024 (0: to the end of each file) --json]`;

/**
 * The bounds of the flags the core checks again, from the core's own limits (MODEL_LIMITS,
 * DIRECT_LIMITS, TRAIN_LIMITS, MAX_VAL_FRACTION; test/cli/train-flags.test.ts holds the others to the
 * trainer's), so that a flag the core would refuse is a usage error that names it.
 */
export const TRAIN_FLAG_BOUNDS = {
  hidden: { integer: true, min: MODEL_LIMITS.hiddenSize.min, max: MODEL_LIMITS.hiddenSize.max },
  layers: { integer: true, min: MODEL_LIMITS.layers.min, max: MODEL_LIMITS.layers.max },
  seq: { integer: true, ...TRAIN_LIMITS.seqLength },
  batch: { integer: true, ...TRAIN_LIMITS.batchSize },
  lr: { min: 1e-9, max: 10 },
  clip: { min: 1e-9 },
  seed: { integer: true, ...TRAIN_LIMITS.seed },
  threads: { integer: true, ...TRAIN_LIMITS.threads },
  'direct-orders': { integer: true, min: 0, max: DIRECT_LIMITS.orders.max },
  'direct-mb': { min: DIRECT_LIMITS.megabytes.min, max: DIRECT_LIMITS.megabytes.max },
  'direct-lr': { min: 1e-6, max: TRAIN_LIMITS.directLearningRate.max },
  'direct-decay': { ...TRAIN_LIMITS.directDecay },
  patience: { integer: true, ...TRAIN_LIMITS.patience },
  'segment-chars': { integer: true, min: 0, max: TRAIN_LIMITS.segmentChars.max },
  'val-fraction': { min: 0, max: MAX_VAL_FRACTION },
  'vocab-size': { integer: true, min: MODEL_LIMITS.vocabSize.min, max: MODEL_LIMITS.vocabSize.max },
} satisfies Record<string, { min?: number; max?: number; integer?: boolean }>;

export async function trainCommand(args: string[], out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const p = parse(args, {
    out: { type: 'string' }, hidden: { type: 'string' }, layers: { type: 'string' }, seq: { type: 'string' }, batch: { type: 'string' },
    optimizer: { type: 'string' }, lr: { type: 'string' }, clip: { type: 'string' }, 'clip-mode': { type: 'string' }, seed: { type: 'string' },
    seconds: { type: 'string' }, steps: { type: 'string' }, resume: { type: 'string' }, 'val-fraction': { type: 'string' },
    'max-file-kb': { type: 'string' }, 'max-corpus-mb': { type: 'string' }, 'vocab-size': { type: 'string' },
    'checkpoint-every': { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' },
    'direct-orders': { type: 'string' }, 'direct-mb': { type: 'string' }, 'direct-lr': { type: 'string' }, 'direct-decay': { type: 'string' },
    patience: { type: 'string' }, 'segment-chars': { type: 'string' },
  }, true);
  if (p.positionals.length === 0) throw new UsageError('train needs at least one path to read');
  const outPath = requireStr(p, 'out');
  const optimizer = str(p, 'optimizer');
  if (optimizer !== undefined && optimizer !== 'adam' && optimizer !== 'adagrad') throw new UsageError(`--optimizer must be adam or adagrad, got '${optimizer}'`);
  const clipMode = str(p, 'clip-mode');
  if (clipMode !== undefined && clipMode !== 'norm' && clipMode !== 'value') throw new UsageError(`--clip-mode must be norm or value, got '${clipMode}'`);
  const bounded = (name: keyof typeof TRAIN_FLAG_BOUNDS) => num(p, name, TRAIN_FLAG_BOUNDS[name]);
  const settings: Partial<TrainSettings> = {};
  const set = <K extends keyof TrainSettings>(key: K, value: TrainSettings[K] | undefined) => {
    if (value !== undefined) settings[key] = value;
  };
  set('hiddenSize', bounded('hidden'));
  set('layers', bounded('layers'));
  set('seqLength', bounded('seq'));
  set('batchSize', bounded('batch'));
  set('optimizer', optimizer as OptimizerName | undefined);
  set('learningRate', bounded('lr') ?? (optimizer === 'adagrad' ? 0.1 : undefined));
  set('clip', bounded('clip'));
  set('clipMode', clipMode as 'norm' | 'value' | undefined);
  set('seed', bounded('seed'));
  set('threads', bounded('threads') ?? defaultThreads());
  set('directOrders', bounded('direct-orders'));
  set('directMB', bounded('direct-mb'));
  set('directLearningRate', bounded('direct-lr'));
  set('directDecay', bounded('direct-decay'));
  set('patience', bounded('patience'));
  const segmentChars = bounded('segment-chars');
  if (segmentChars !== undefined && segmentChars > 0 && segmentChars < TRAIN_LIMITS.segmentChars.min) throw new UsageError(`--segment-chars must be 0 (to the end of each file) or at least ${TRAIN_LIMITS.segmentChars.min}, got ${segmentChars}`);
  set('segmentChars', segmentChars);
  const steps = num(p, 'steps', { integer: true, min: 1 });
  let seconds = num(p, 'seconds', { min: 0.01 });
  if (steps !== undefined && seconds !== undefined) throw new UsageError('give --seconds or --steps, not both');
  if (steps === undefined && seconds === undefined) seconds = 60;
  const json = flag(p, 'json');
  const tty = !json && out.isTTY === true;
  const reporter = json ? jsonReporter(out) : tty ? barReporter(out) : lineReporter(out);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort();
    if (!json) process.stderr.write('\nstopping: saving a checkpoint (Ctrl-C again to quit without saving)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    const { done, kept } = await runTrainingJob({
      paths: p.positionals,
      out: outPath,
      resume: str(p, 'resume'),
      settings,
      corpus: corpusFlags(p),
      vocabCap: bounded('vocab-size'),
      steps,
      seconds,
      checkpointEverySec: num(p, 'checkpoint-every', { min: 1 }) ?? 60,
      signal: controller.signal,
      onEvent: reporter.event,
    });
    reporter.end();
    if (done.reason === 'diverged') {
      const resume = str(p, 'resume');
      const resumedOut = resume !== undefined && path.resolve(resume) === path.resolve(outPath);
      const where = kept.written ? `saved ${outPath}: ${keptLine(kept)}`
        : kept.valBitsPerChar !== undefined ? `${outPath} was left as it was: ${keptLine(kept)}`
        : resumedOut ? `${outPath} was left as it was` : `${outPath} was not written`;
      process.stderr.write(`char-rnn: ${done.message ?? 'training diverged'}; ${where}\n`);
      return 2;
    }
    if (!json) out.write(`saved ${outPath}: ${keptLine(kept)}\n`);
    return 0;
  } finally {
    reporter.end();
    process.off('SIGINT', onSigint);
  }
}

/** Which model the checkpoint holds: 'kept the best model: step 1200, validation 1.830 bits/char' and where the latest state is. */
function keptLine(kept: KeptResult): string {
  if (kept.valBitsPerChar === undefined) return kept.written ? `kept the latest model (step ${kept.step}; no validation files)` : 'no model was saved';
  const latest = kept.latestPath !== undefined ? `; the latest state (step ${kept.latestStep}) is in ${kept.latestPath}, which --resume continues` : '';
  return `kept the best model: step ${kept.step}, validation ${fmt(kept.valBitsPerChar)} bits/char${latest}`;
}

/** The corpus flags `train` and `export-corpus` share, as the corpus reader's options. */
export function corpusFlags(p: Parsed): Pick<CorpusOptions, 'valFraction' | 'maxFileBytes' | 'maxCorpusBytes'> {
  const kb = num(p, 'max-file-kb', { min: 1 });
  const mb = num(p, 'max-corpus-mb', { min: 0.001 });
  return {
    valFraction: num(p, 'val-fraction', TRAIN_FLAG_BOUNDS['val-fraction']),
    maxFileBytes: kb === undefined ? undefined : Math.round(kb * 1024),
    maxCorpusBytes: mb === undefined ? undefined : Math.round(mb * 1024 * 1024),
  };
}

interface Reporter {
  event(e: JobEvent): void;
  end(): void;
}

function fmt(n: number | undefined, digits = 3): string {
  return n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

/**
 * One JSON object per line per event, the stable contract scripts use (see the README): every object
 * has `event`, `step`, `charsSeen` and `loss`; the corpus summary rides on the 'start' event.
 */
function jsonReporter(out: NodeJS.WritableStream): Reporter {
  let corpus: Record<string, unknown> = {};
  return {
    event(e) {
      if (e.event === 'corpus') {
        corpus = {
          files: e.files, trainFiles: e.trainFiles, valFiles: e.valFiles, skipped: e.skipped, corpusChars: e.chars,
          unknownChars: e.unknownChars, skippedByReason: countBy(e.corpus.skipped.map((s) => s.reason)),
        };
      } else if (e.event === 'start') out.write(JSON.stringify({ ...e, ...corpus }) + '\n');
      else out.write(JSON.stringify(e) + '\n');
    },
    end() {},
  };
}

function lineReporter(out: NodeJS.WritableStream): Reporter {
  let last = 0;
  let lrScale: number | undefined;
  return {
    event(e) {
      switch (e.event) {
        case 'corpus':
          out.write(formatCorpusReport(e.corpus) + '\n');
          if (e.unknownChars > 0) out.write(`${e.unknownChars} training characters are outside the vocabulary (mapped to the unknown symbol)\n`);
          break;
        case 'start':
          if (e.note) out.write(`note: ${e.note}\n`);
          out.write(`training: ${e.parameters} parameters, ${e.trainChars} training chars, ${e.valChars} validation chars${e.step > 0 ? `, resuming at step ${e.step}${e.resumedExactly ? '' : ' (new data: streams restarted)'}` : ''}\n`);
          break;
        case 'progress':
          if (performance.now() - last < 5000) return;
          last = performance.now();
          out.write(`step ${e.step}  loss ${fmt(e.loss)}  ${Math.round(e.charsPerSec)} chars/s  ${Math.round(e.fraction * 100)}%  eta ${Math.round(e.etaSec)}s\n`);
          break;
        case 'val': {
          const best = e.bestStep === e.step ? ' (best)' : e.bestValBitsPerChar !== undefined ? ` (best ${fmt(e.bestValBitsPerChar)} at step ${e.bestStep})` : '';
          out.write(`step ${e.step}  validation ${fmt(e.valBitsPerChar)} bits/char${best}\n`);
          if (lrScale !== undefined && e.lrScale !== lrScale) out.write(`step ${e.step}  validation stopped improving: learning rates x${e.lrScale}\n`);
          lrScale = e.lrScale;
          break;
        }
        case 'checkpoint':
          break;
        case 'done':
          out.write(`done (${e.reason}): step ${e.step}, loss ${fmt(e.loss)}, validation ${fmt(e.valBitsPerChar)} bits/char, ${Math.round(e.charsPerSec)} chars/s over ${e.elapsedSec.toFixed(1)}s\n`);
          if (e.reason === 'converged' && e.message) out.write(`converged: ${e.message}\n`);
          break;
      }
    },
    end() {},
  };
}

function barReporter(out: NodeJS.WriteStream): Reporter {
  const lines = lineReporter(out);
  const bar = new SingleBar({
    stream: out,
    format: '{bar} {percentage}% | loss {loss} | val {val} bits/char | {cps} chars/s | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 20,
  });
  let started = false;
  let val: number | undefined;
  return {
    event(e) {
      if (e.event === 'corpus' || e.event === 'start') lines.event(e);
      if (e.event === 'start') {
        bar.start(1000, 0, { loss: '-', val: '-', cps: '-' });
        started = true;
      } else if (e.event === 'val') val = e.valBitsPerChar;
      else if (e.event === 'progress' && started) bar.update(Math.round(e.fraction * 1000), { loss: fmt(e.loss), val: fmt(val), cps: Math.round(e.charsPerSec) });
      else if (e.event === 'done') {
        if (started) bar.update(1000, { loss: fmt(e.loss), val: fmt(e.valBitsPerChar), cps: Math.round(e.charsPerSec) });
        bar.stop();
        started = false;
        lines.event(e);
      }
    },
    end() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function countBy(items: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of items) counts[i] = (counts[i] ?? 0) + 1;
  return counts;
}

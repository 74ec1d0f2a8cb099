/** `sample`, `complete` and `eval`: what a trained model says about text. */
import { loadCheckpoint } from '../core/checkpoint/checkpoint';
import { readCorpus, summarizeSkipped } from '../core/corpus/corpus';
import { encodeFiles } from '../core/model/encoded-text';
import { readRegularFile } from '../core/common/read-file';
import { basename } from 'node:path';
import { CachedCharNGram, CharNGram, WordCompleter } from '../core/eval/baselines';
import { automaticCompletion, DEFAULT_COMPLETION_SETTINGS } from '../core/infer/completion-rules';
import { dynamicBitsPerChar, keystrokeSavings, KsrResult, simulateTyping } from '../core/eval/simulated-user';
import { bitsPerChar } from '../core/model/bits-per-char';
import { AdaptOptions, DynamicEvaluation } from '../core/infer/adaptation';
import { RnnModel } from '../core/model/model';
import { generate } from '../core/infer/generate';
import { Rng } from '../core/model/rng';
import { CompletionSession } from '../core/infer/session';
import { flag, list, num, parse, requireStr, str, UsageError } from './args';
import { defaultKernels } from '../core/kernels/default-kernels';

export const SAMPLE_USAGE = 'char-rnn sample --model FILE [--prefix TEXT --length 200 --temperature 1 (0: greedy) --top-k 0 --top-p 1 --seed 1 --greedy --json]';
export const COMPLETE_USAGE = 'char-rnn complete --model FILE --file F [--offset N (default: end of file) --max-chars 40 --min-confidence 0.4 --json]';
export const EVAL_USAGE = `char-rnn eval --model FILE [--model FILE...] <path...> [--ksr --max-chars N --bpc-chars N --min-confidence G --curve
    --baselines PATH... --no-dynamic --no-cache --adapt-lr 0.1 --adapt-segment 16 --beam-width 4 --json]`;

export async function sampleCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const p = parse(args, {
    model: { type: 'string' }, prefix: { type: 'string' }, length: { type: 'string' }, temperature: { type: 'string' },
    'top-k': { type: 'string' }, 'top-p': { type: 'string' }, seed: { type: 'string' }, greedy: { type: 'boolean' }, json: { type: 'boolean' },
  }, false, ['prefix']);
  const { model } = await loadCheckpoint(requireStr(p, 'model'), defaultKernels());
  const prefix = str(p, 'prefix') ?? '';
  const session = new CompletionSession(model, { window: Math.max(4, prefix.length + 1) });
  const state = session.stateAt(prefix, prefix.length);
  const g = generate(model, state, {
    maxLength: num(p, 'length', { integer: true, min: 1, max: 1_000_000 }) ?? 200,
    stopAtNewline: false,
    mode: flag(p, 'greedy') ? 'greedy' : 'sample',
    temperature: num(p, 'temperature', { min: 0, max: 100 }),
    topK: num(p, 'top-k', { integer: true, min: 0 }),
    topP: num(p, 'top-p', { min: 1e-6, max: 1 }),
    rng: new Rng(num(p, 'seed', { integer: true, min: 0, max: 0xffffffff }) ?? 1),
    history: session.historyAt(prefix, prefix.length),
  });
  if (flag(p, 'json')) out.write(JSON.stringify({ prefix, text: g.text, logProb: g.logProb, probs: g.probs }) + '\n');
  else out.write(prefix + g.text + '\n');
  return 0;
}

/** The largest file `complete --file` reads (the editor's own limit on what it sends is far below). */
const MAX_COMPLETE_FILE_BYTES = 64 * 1024 * 1024;

export async function completeCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const p = parse(args, {
    model: { type: 'string' }, file: { type: 'string' }, offset: { type: 'string' }, 'max-chars': { type: 'string' },
    'min-confidence': { type: 'string' }, json: { type: 'boolean' },
  }, false);
  const file = requireStr(p, 'file');
  const modelPath = requireStr(p, 'model');
  // the text first: a FIFO, a folder or a huge file is refused before the model is loaded
  const text = (await readRegularFile(file, MAX_COMPLETE_FILE_BYTES)).toString('utf8');
  const { model } = await loadCheckpoint(modelPath, defaultKernels());
  const offset = num(p, 'offset', { integer: true, min: 0 }) ?? text.length;
  if (offset > text.length) throw new UsageError(`--offset ${offset} is past the end of ${file} (${text.length} characters)`);
  // the editor's own code path: its rules (nothing mid-word or before code), beam search, the gate
  const proposal = automaticCompletion(new CompletionSession(model), text, offset, {
    ...DEFAULT_COMPLETION_SETTINGS,
    maxChars: num(p, 'max-chars', { integer: true, min: 2, max: 1000 }) ?? DEFAULT_COMPLETION_SETTINGS.maxChars,
    minConfidence: num(p, 'min-confidence', { min: 0, max: 1 }) ?? DEFAULT_COMPLETION_SETTINGS.minConfidence,
  });
  if (flag(p, 'json')) {
    out.write(JSON.stringify(proposal ? { offset, text: proposal.text, replace: proposal.replace, prob: proposal.prob, expectedSaving: proposal.expectedSaving } : { offset, text: null }) + '\n');
  } else {
    out.write((proposal?.text ?? '') + '\n');
  }
  return 0;
}

const CURVE_GATES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];

/** One engine of `eval`'s side-by-side comparison. */
interface EngineResult {
  name: string;
  bitsPerChar?: number;
  /** keystroke savings with the confidence gate (--min-confidence), and the acceptance of what was shown */
  ksr?: number;
  acceptance?: number;
  shown?: number;
  accepted?: number;
  /** the same with no gate */
  ksrNoGate?: number;
  acceptanceNoGate?: number;
  /** keystroke savings against acceptance as the gate rises (--curve) */
  curve?: { gate: number; ksr: number; acceptance: number; shown: number }[];
  /** the engine the editor uses (the first model with its adaptation, as the settings' defaults give it) */
  default?: boolean;
}

/**
 * The files in the order eval reads them: round-robin over their folders (the first file of each
 * folder, then the second of each, ...), so that a character budget covers every folder held out rather
 * than the first ones by name.
 */
function interleaveByFolder<T extends { relPath: string }>(files: readonly T[]): T[] {
  const byFolder = new Map<string, T[]>();
  for (const f of files) {
    const folder = f.relPath.includes('/') ? f.relPath.slice(0, f.relPath.lastIndexOf('/')) : '';
    const list = byFolder.get(folder) ?? [];
    list.push(f);
    byFolder.set(folder, list);
  }
  const lists = [...byFolder.keys()].sort().map((k) => byFolder.get(k)!);
  const out: T[] = [];
  for (let i = 0; out.length < files.length; i++) for (const list of lists) if (i < list.length) out.push(list[i]);
  return out;
}

export async function evalCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const p = parse(args, {
    model: { type: 'string', multiple: true }, ksr: { type: 'boolean' }, 'max-chars': { type: 'string' }, 'min-confidence': { type: 'string' }, json: { type: 'boolean' },
    baselines: { type: 'string', multiple: true }, curve: { type: 'boolean' }, 'no-dynamic': { type: 'boolean' }, 'no-cache': { type: 'boolean' },
    'bpc-chars': { type: 'string' },
    'adapt-lr': { type: 'string' }, 'adapt-segment': { type: 'string' }, 'beam-width': { type: 'string' },
  }, true);
  if (p.positionals.length === 0) throw new UsageError('eval needs at least one path to evaluate on');
  const modelPaths = list(p, 'model');
  if (modelPaths.length === 0) throw new UsageError('--model is required');
  const models = [];
  for (const path of modelPaths) models.push({ path, model: (await loadCheckpoint(path, defaultKernels())).model });
  const ksrMaxChars = num(p, 'max-chars', { integer: true, min: 1 });
  const maxChars = num(p, 'bpc-chars', { integer: true, min: 1 }) ?? ksrMaxChars;
  const corpus = await readCorpus(p.positionals, { valFraction: 0 });
  if (corpus.files.length === 0) throw new UsageError(`no usable text file to evaluate on (${summarizeSkipped(corpus)})`);
  const files = interleaveByFolder(corpus.files);
  const texts = files.map((f) => f.text);
  const minConfidence = num(p, 'min-confidence', { min: 0, max: 1 }) ?? DEFAULT_COMPLETION_SETTINGS.minConfidence;
  const ksrChars = ksrMaxChars ?? 20000;
  const baselinePaths = list(p, 'baselines');
  // read before any evaluation, so that a bad path is found at once
  const baselineCorpus = baselinePaths.length > 0 ? await readCorpus(baselinePaths, { valFraction: 0 }) : undefined;
  if (baselineCorpus && baselineCorpus.files.length === 0) throw new UsageError(`no usable text file for the baselines to learn from (${summarizeSkipped(baselineCorpus)})`);
  const withKsr = flag(p, 'ksr') || flag(p, 'curve') || baselinePaths.length > 0;
  const adapt: Partial<AdaptOptions> = {};
  const adaptLr = num(p, 'adapt-lr', { min: 1e-6, max: 10 });
  if (adaptLr !== undefined) adapt.learningRate = adaptLr;
  const adaptSegment = num(p, 'adapt-segment', { integer: true, min: 1, max: 4096 });
  if (adaptSegment !== undefined) adapt.segment = adaptSegment;
  if (flag(p, 'no-cache')) adapt.cache = false;
  const beamWidth = num(p, 'beam-width', { integer: true, min: 1, max: 64 }) ?? DEFAULT_COMPLETION_SETTINGS.beamWidth;
  const engines: EngineResult[] = [];
  let chars = 0;
  /** The simulated user's results at the gate, with no gate and (--curve) along the curve; `run` types the texts at a gate. */
  const typing = (run: (gate: number) => KsrResult, r: EngineResult) => {
    if (!withKsr) return;
    const k = run(minConfidence);
    Object.assign(r, { ksr: k.ksr, acceptance: k.acceptance, shown: k.shown, accepted: k.accepted });
    const k0 = minConfidence === 0 ? k : run(0);
    Object.assign(r, { ksrNoGate: k0.ksr, acceptanceNoGate: k0.acceptance });
    if (flag(p, 'curve')) {
      r.curve = CURVE_GATES.map((gate) => {
        const kg = gate === minConfidence ? k : gate === 0 ? k0 : run(gate);
        return { gate, ksr: kg.ksr, acceptance: kg.acceptance, shown: kg.shown };
      });
    }
  };
  // the editor's code path; `dynamic` gives each simulated run its adaptation, shared by its texts (one workspace session)
  const rnnTyping = (model: RnnModel, dynamic: () => DynamicEvaluation | undefined) => (gate: number) =>
    keystrokeSavings(model, texts, { maxTypedChars: ksrChars, completion: { minConfidence: gate, beamWidth }, session: { dynamic: dynamic() } });
  for (const { path, model } of models) {
    const name = basename(path) + (model.direct ? ` (RNN + direct connections, orders 1-${model.direct.config.orders})` : ' (RNN)');
    const data = encodeFiles(model.vocab, files);
    const bpc = bitsPerChar(model, data, { maxChars });
    chars = bpc.chars;
    const r: EngineResult = { name, bitsPerChar: bpc.bitsPerChar };
    if (engines.length === 0 && !(model.direct && !flag(p, 'no-dynamic'))) r.default = true; // no adaptation: the editor uses the model as it is
    typing(rnnTyping(model, () => undefined), r);
    engines.push(r);
    if (model.direct && !flag(p, 'no-dynamic')) {
      const dyn = new DynamicEvaluation(model, adapt);
      const what = dyn.mixture ? 'adaptation (dynamic evaluation + cache)' : 'dynamic evaluation';
      const rd: EngineResult = { name: `${basename(path)} + ${what}`, bitsPerChar: dynamicBitsPerChar(dyn, data, { maxChars }).bitsPerChar };
      if (engines.length === 1) rd.default = true;
      dyn.dispose();
      const made: DynamicEvaluation[] = [];
      typing(rnnTyping(model, () => {
        const d = new DynamicEvaluation(model, adapt);
        made.push(d);
        return d;
      }), rd);
      for (const d of made) d.dispose();
      engines.push(rd);
    }
  }
  if (baselinePaths.length > 0) {
    // the baselines learn from the given training files, and are measured by the same simulated user
    const training = baselineCorpus!.files.map((f) => f.text);
    const words: EngineResult = { name: 'word completion' };
    const k = simulateTyping(texts, () => new WordCompleter(training).proposer(), ksrChars);
    Object.assign(words, { ksr: k.ksr, acceptance: k.acceptance, shown: k.shown, accepted: k.accepted, ksrNoGate: k.ksr, acceptanceNoGate: k.acceptance });
    engines.push(words);
    const ngram = new CharNGram(training);
    const g: EngineResult = { name: 'character 6-gram', bitsPerChar: ngram.bitsPerChar(texts, maxChars).bitsPerChar };
    typing((gate) => simulateTyping(texts, () => ngram.proposer(40, gate), ksrChars), g);
    engines.push(g);
    const gc: EngineResult = { name: 'character 6-gram + cache', bitsPerChar: new CachedCharNGram(ngram).bitsPerChar(texts, maxChars).bitsPerChar };
    typing((gate) => simulateTyping(texts, new CachedCharNGram(ngram).proposerFor(40, gate), ksrChars), gc);
    engines.push(gc);
  }
  // the first model's figures also at the top level (the format before the side-by-side comparison)
  const first = engines[0];
  const result: Record<string, unknown> = { bitsPerChar: first.bitsPerChar, chars, files: corpus.files.length, minConfidence, engines };
  if (withKsr) Object.assign(result, { ksr: first.ksr, acceptance: first.acceptance, shown: first.shown, accepted: first.accepted, ksrChars: Math.min(ksrChars, texts.reduce((s, t) => s + t.length, 0)) });
  if (first.curve) result.curve = first.curve;
  if (flag(p, 'json')) out.write(JSON.stringify(result) + '\n');
  else {
    out.write(`bits/char over ${chars} characters of ${corpus.files.length} files${withKsr ? `; keystroke savings over ${result.ksrChars} typed characters, gate ${minConfidence}` : ''}\n`);
    const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);
    const rows = engines.map((e) => [e.name + (e.default ? ' [editor]' : ''), e.bitsPerChar === undefined ? '-' : e.bitsPerChar.toFixed(3), pct(e.ksrNoGate), pct(e.ksr), pct(e.acceptance)]);
    const head = ['engine', 'bits/char', 'KSR no gate', `KSR gate ${minConfidence}`, 'acceptance'];
    const cols = withKsr ? 5 : 2;
    const widths = head.slice(0, cols).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const r of [head, ...rows]) out.write(r.slice(0, cols).map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ') + '\n');
    for (const e of engines) {
      if (!e.curve) continue;
      out.write(`\n${e.name}\ngate  keystroke savings  acceptance  shown\n`);
      for (const c of e.curve) out.write(`${c.gate.toFixed(2)}  ${(c.ksr * 100).toFixed(1).padStart(16)}%  ${(c.acceptance * 100).toFixed(1).padStart(9)}%  ${String(c.shown).padStart(5)}\n`);
    }
  }
  return 0;
}

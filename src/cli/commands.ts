/** `sample`, `complete` and `eval`: what a trained model says about text. */
import { promises as fsp } from 'node:fs';
import { loadCheckpoint } from '../core/checkpoint';
import { readCorpus } from '../core/corpus';
import { encodeFiles } from '../core/data';
import { CharNGram, WordCompleter } from '../core/baselines';
import { automaticCompletion, DEFAULT_COMPLETION_SETTINGS } from '../core/completion';
import { bitsPerChar, keystrokeSavings, simulateTyping } from '../core/evaluate';
import { generate } from '../core/generate';
import { Rng } from '../core/rng';
import { CompletionSession } from '../core/session';
import { flag, list, num, parse, requireStr, str, UsageError } from './args';

export const SAMPLE_USAGE = 'char-rnn sample --model FILE [--prefix TEXT --length 200 --temperature 1 --top-k 0 --top-p 1 --seed 1 --greedy --json]';
export const COMPLETE_USAGE = 'char-rnn complete --model FILE --file F [--offset N (default: end of file) --max-chars 40 --min-confidence 0.3 --json]';
export const EVAL_USAGE = 'char-rnn eval --model FILE <path...> [--ksr --max-chars N --min-confidence G --curve --baselines PATH... --json]';

export async function sampleCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const p = parse(args, {
    model: { type: 'string' }, prefix: { type: 'string' }, length: { type: 'string' }, temperature: { type: 'string' },
    'top-k': { type: 'string' }, 'top-p': { type: 'string' }, seed: { type: 'string' }, greedy: { type: 'boolean' }, json: { type: 'boolean' },
  }, false);
  const { model } = await loadCheckpoint(requireStr(p, 'model'));
  const prefix = str(p, 'prefix') ?? '';
  const session = new CompletionSession(model, { window: Math.max(4, prefix.length + 1) });
  const state = session.stateAt(prefix, prefix.length);
  const g = generate(model, state, {
    maxLength: num(p, 'length', { integer: true, min: 1, max: 1_000_000 }) ?? 200,
    stopAtNewline: false,
    mode: flag(p, 'greedy') ? 'greedy' : 'sample',
    temperature: num(p, 'temperature', { min: 1e-6, max: 100 }),
    topK: num(p, 'top-k', { integer: true, min: 0 }),
    topP: num(p, 'top-p', { min: 1e-6, max: 1 }),
    rng: new Rng(num(p, 'seed', { integer: true, min: 0, max: 0xffffffff }) ?? 1),
  });
  if (flag(p, 'json')) out.write(JSON.stringify({ prefix, text: g.text, logProb: g.logProb, probs: g.probs }) + '\n');
  else out.write(prefix + g.text + '\n');
  return 0;
}

export async function completeCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const p = parse(args, {
    model: { type: 'string' }, file: { type: 'string' }, offset: { type: 'string' }, 'max-chars': { type: 'string' },
    'min-confidence': { type: 'string' }, json: { type: 'boolean' },
  }, false);
  const file = requireStr(p, 'file');
  const { model } = await loadCheckpoint(requireStr(p, 'model'));
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const offset = num(p, 'offset', { integer: true, min: 0 }) ?? text.length;
  if (offset > text.length) throw new UsageError(`--offset ${offset} is past the end of ${file} (${text.length} characters)`);
  // the editor's own code path: its rules (nothing mid-word or before code), beam search, the gate
  const proposal = automaticCompletion(new CompletionSession(model), text, offset, {
    ...DEFAULT_COMPLETION_SETTINGS,
    maxChars: num(p, 'max-chars', { integer: true, min: 2, max: 1000 }) ?? DEFAULT_COMPLETION_SETTINGS.maxChars,
    minConfidence: num(p, 'min-confidence', { min: 0, max: 1 }) ?? DEFAULT_COMPLETION_SETTINGS.minConfidence,
  });
  if (flag(p, 'json')) {
    out.write(JSON.stringify(proposal ? { offset, text: proposal.text, prob: proposal.prob, expectedSaving: proposal.expectedSaving } : { offset, text: null }) + '\n');
  } else {
    out.write((proposal?.text ?? '') + '\n');
  }
  return 0;
}

const CURVE_GATES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];

export async function evalCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const p = parse(args, {
    model: { type: 'string' }, ksr: { type: 'boolean' }, 'max-chars': { type: 'string' }, 'min-confidence': { type: 'string' }, json: { type: 'boolean' },
    baselines: { type: 'string', multiple: true }, curve: { type: 'boolean' },
  }, true);
  if (p.positionals.length === 0) throw new UsageError('eval needs at least one path to evaluate on');
  const { model } = await loadCheckpoint(requireStr(p, 'model'));
  const maxChars = num(p, 'max-chars', { integer: true, min: 1 });
  const corpus = await readCorpus(p.positionals, { valFraction: 0 });
  if (corpus.files.length === 0) throw new UsageError('no usable text file to evaluate on');
  const data = encodeFiles(model.vocab, corpus.files);
  const bpc = bitsPerChar(model, data, { maxChars });
  const result: Record<string, number> & { curve?: { gate: number; ksr: number; acceptance: number; shown: number }[] } = { bitsPerChar: bpc.bitsPerChar, chars: bpc.chars, files: corpus.files.length };
  const texts = corpus.files.map((f) => f.text);
  const minConfidence = num(p, 'min-confidence', { min: 0, max: 1 }) ?? DEFAULT_COMPLETION_SETTINGS.minConfidence;
  const ksrChars = maxChars ?? 20000;
  const baselinePaths = list(p, 'baselines');
  if (flag(p, 'ksr') || baselinePaths.length > 0) {
    const k = keystrokeSavings(model, texts, { maxTypedChars: ksrChars, completion: { minConfidence } });
    Object.assign(result, { ksr: k.ksr, acceptance: k.acceptance, shown: k.shown, accepted: k.accepted, ksrChars: k.chars, keystrokes: k.keystrokes });
  }
  if (flag(p, 'curve')) {
    // keystrokes saved against acceptance, as the confidence gate rises
    const curve = CURVE_GATES.map((gate) => {
      const k = keystrokeSavings(model, texts, { maxTypedChars: ksrChars, completion: { minConfidence: gate } });
      return { gate, ksr: k.ksr, acceptance: k.acceptance, shown: k.shown };
    });
    Object.assign(result, { curve });
  }
  if (baselinePaths.length > 0) {
    // the baselines learn from the given training files, and are measured by the same simulated user
    const training = (await readCorpus(baselinePaths, { valFraction: 0 })).files.map((f) => f.text);
    const words = simulateTyping(texts, () => new WordCompleter(training).proposer(), ksrChars);
    const ngram = new CharNGram(training);
    const grams = simulateTyping(texts, () => ngram.proposer(40, minConfidence), ksrChars);
    Object.assign(result, { wordsKsr: words.ksr, wordsAcceptance: words.acceptance, ngramKsr: grams.ksr, ngramAcceptance: grams.acceptance });
  }
  if (flag(p, 'json')) out.write(JSON.stringify(result) + '\n');
  else {
    out.write(`bits/char ${result.bitsPerChar.toFixed(3)} over ${result.chars} characters of ${result.files} files\n`);
    if (result.ksr !== undefined) {
      out.write(`keystroke savings ${(result.ksr * 100).toFixed(1)}% over ${result.ksrChars} characters; ${result.shown} proposals shown, ${result.accepted} accepted (${(result.acceptance * 100).toFixed(1)}%)\n`);
    }
    if (Array.isArray(result.curve)) {
      out.write('gate  keystroke savings  acceptance  shown\n');
      for (const c of result.curve) out.write(`${c.gate.toFixed(2)}  ${(c.ksr * 100).toFixed(1).padStart(16)}%  ${(c.acceptance * 100).toFixed(1).padStart(9)}%  ${String(c.shown).padStart(5)}\n`);
    }
    if (result.wordsKsr !== undefined) {
      out.write(`baseline, word completion: keystroke savings ${(result.wordsKsr * 100).toFixed(1)}%, acceptance ${(result.wordsAcceptance * 100).toFixed(1)}%\n`);
      out.write(`baseline, character 6-gram: keystroke savings ${(result.ngramKsr * 100).toFixed(1)}%, acceptance ${(result.ngramAcceptance * 100).toFixed(1)}%\n`);
    }
  }
  return 0;
}

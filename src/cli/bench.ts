/**
 * `char-rnn bench`: training throughput, per-keystroke completion latency, cold start and memory, on
 * the built-in corpus. Figures, not pass/fail: the targets are compared in the README.
 */
import { readCorpus } from '../core/corpus';
import { generate } from '../core/generate';
import { prepareData } from '../core/prepare';
import { CompletionSession } from '../core/session';
import { DEFAULT_TRAIN_SETTINGS, Trainer } from '../core/trainer';
import { flag, parse } from './args';
import { builtinCorpusPath } from './paths';

export const BENCH_USAGE = 'char-rnn bench [--json] [--quick]';

export interface BenchResult {
  trainCharsPerSec: Record<string, number>;
  completionP50Ms: number;
  completionP95Ms: number;
  proposalP95Ms: number;
  coldStartMs: number;
  peakRssMB: number;
  trainMemoryMB: number;
  vocabSize: number;
}

export async function benchCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const p = parse(args, { json: { type: 'boolean' }, quick: { type: 'boolean' } }, false);
  const quick = flag(p, 'quick');
  const json = flag(p, 'json');
  const log = (s: string) => { if (!json) out.write(s + '\n'); };
  const corpus = await readCorpus([builtinCorpusPath()], { valFraction: 0 });
  const data = prepareData(corpus);
  const rssBefore = process.memoryUsage().rss;
  const trainCharsPerSec: Record<string, number> = {};
  let trainMemoryMB = 0;
  let model256: Trainer['model'] | undefined;
  for (const H of [256, 512]) {
    const trainer = Trainer.create(data.vocab, data.train, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: H, layers: 1, seqLength: 64, batchSize: 32 });
    trainer.trainStep(); // warm-up: compiles the kernels
    const steps = quick ? 2 : H === 256 ? 12 : 4;
    const t0 = performance.now();
    const c0 = trainer.charsSeen;
    for (let i = 0; i < steps; i++) trainer.trainStep();
    const sec = (performance.now() - t0) / 1000;
    trainCharsPerSec[String(H)] = Math.round((trainer.charsSeen - c0) / sec);
    trainMemoryMB = Math.max(trainMemoryMB, (process.memoryUsage().rss - rssBefore) / 2 ** 20);
    log(`train H=${H} L=1 T=64 B=32: ${trainCharsPerSec[String(H)]} chars/s`);
    if (H === 256) model256 = trainer.model;
  }
  const model = model256!;
  // a 200 KB document from the corpus
  let doc = '';
  for (const f of corpus.files) {
    doc += f.text;
    if (doc.length >= 200_000) break;
  }
  doc = doc.slice(0, 200_000);
  // cold start: a new session, the state at the end of the document, and a proposal
  const coldRuns: number[] = [];
  for (let r = 0; r < (quick ? 2 : 5); r++) {
    const t0 = performance.now();
    const session = new CompletionSession(model);
    session.propose(doc, doc.length);
    coldRuns.push(performance.now() - t0);
  }
  const coldStartMs = median(coldRuns);
  log(`cold start, 200 KB file, H=256: ${coldStartMs.toFixed(1)} ms (median of ${coldRuns.length})`);
  // warm keystrokes: one new character, then a 40-character continuation (the worst case of a proposal)
  const session = new CompletionSession(model);
  const start = 100_000;
  session.stateAt(doc, start);
  const keystroke: number[] = [];
  const proposal: number[] = [];
  const n = quick ? 100 : 1000;
  for (let i = 1; i <= n; i++) {
    const t0 = performance.now();
    const state = session.stateAt(doc, start + i);
    generate(model, state, { maxLength: 40, mode: 'greedy', stopAtNewline: false });
    keystroke.push(performance.now() - t0);
    const t1 = performance.now();
    session.propose(doc, start + i);
    proposal.push(performance.now() - t1);
  }
  const result: BenchResult = {
    trainCharsPerSec,
    completionP50Ms: round(percentile(keystroke, 0.5)),
    completionP95Ms: round(percentile(keystroke, 0.95)),
    proposalP95Ms: round(percentile(proposal, 0.95)),
    coldStartMs: round(coldStartMs),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    trainMemoryMB: Math.round(trainMemoryMB),
    vocabSize: data.vocab.size,
  };
  log(`warm keystroke (1 step + 40-char continuation), H=256: p50 ${result.completionP50Ms} ms, p95 ${result.completionP95Ms} ms`);
  log(`warm keystroke with the proposal rule (stops early): p95 ${result.proposalP95Ms} ms`);
  log(`memory: peak RSS ${result.peakRssMB} MB, training buffers ${result.trainMemoryMB} MB beyond the corpus`);
  if (json) out.write(JSON.stringify(result) + '\n');
  return 0;
}

function percentile(xs: number[], q: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
function median(xs: number[]): number {
  return percentile(xs, 0.5);
}
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * `char-rnn bench`: training throughput of each kernel backend, per-keystroke completion latency, cold
 * start and memory, on the built-in corpus. Figures, not pass/fail: the README compares them with the
 * targets.
 */
import { defaultKernels } from '../core/kernels/default-kernels';
import { readCorpus } from '../core/corpus/corpus';
import { generate } from '../core/infer/generate';
import { fastKernels, Kernels } from '../core/kernels/kernels';
import { RnnModel } from '../core/model/model';
import { PreparedData, prepareData } from '../core/train/prepare';
import { CompletionSession } from '../core/infer/session';
import { DirectConnections } from '../core/model/direct-connections';
import { DynamicEvaluation } from '../core/infer/adaptation';
import { dynamicBitsPerChar } from '../core/eval/simulated-user';
import { encodeFiles } from '../core/model/encoded-text';
import { Rng } from '../core/model/rng';
import { Trainer } from '../core/train/trainer';
import { DEFAULT_TRAIN_SETTINGS } from '../core/checkpoint/training-state';
import { flag, parse } from './args';
import { builtinCorpusPath } from './paths';
import { defaultThreads } from '../core/train/trainer';

export const BENCH_USAGE = 'char-rnn bench [--json] [--quick]';

type ByHidden = Record<string, number>;

interface BenchResult {
  /** the default backend and thread count */
  trainCharsPerSec: ByHidden;
  trainCharsPerSecByBackend: { ts: ByHidden; wasm1?: ByHidden; wasm2?: ByHidden };
  defaultBackend: string;
  defaultThreads: number;
  completionP50Ms: number;
  completionP95Ms: number;
  proposalP95Ms: number;
  coldStartMs: number;
  /** with direct connections (the default table, 32 MB) and dynamic evaluation, as the editor runs by default */
  directCompletionP95Ms: number;
  directCompletionMaxMs: number;
  /** one segment's dynamic-evaluation step (p95) */
  dynamicSegmentP95Ms: number;
  /** memory the table and a full adaptation add (the typed arrays that hold them) */
  directMemoryMB: number;
  /** training without direct connections, WebAssembly, 1 thread, H=256 */
  trainPlainCharsPerSec?: number;
  peakRssMB: number;
  trainMemoryMB: number;
  vocabSize: number;
}

function trainRate(data: PreparedData, H: number, kernels: Kernels, threads: number, steps: number, directOrders = DEFAULT_TRAIN_SETTINGS.directOrders): { rate: number; memoryMB: number } {
  const rss0 = process.memoryUsage().rss;
  const trainer = Trainer.create(data.vocab, data.train, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: H, layers: 1, seqLength: 64, batchSize: 32, threads, directOrders }, kernels);
  try {
    trainer.trainStep(); // warm-up: compiles the kernels, starts the threads
    const t0 = performance.now();
    const c0 = trainer.charsSeen;
    for (let i = 0; i < steps; i++) trainer.trainStep();
    return { rate: Math.round((trainer.charsSeen - c0) / ((performance.now() - t0) / 1000)), memoryMB: (process.memoryUsage().rss - rss0) / 2 ** 20 };
  } finally {
    trainer.dispose();
  }
}

export async function benchCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const p = parse(args, { json: { type: 'boolean' }, quick: { type: 'boolean' } }, false);
  const quick = flag(p, 'quick');
  const json = flag(p, 'json');
  const log = (s: string) => { if (!json) out.write(s + '\n'); };
  const corpus = await readCorpus([builtinCorpusPath()], { valFraction: 0 });
  const data = prepareData(corpus);
  const wasm = defaultKernels().shared ? defaultKernels() : undefined; // the WebAssembly backend, when it runs here
  const backends: [keyof BenchResult['trainCharsPerSecByBackend'], Kernels, number][] = [['ts', fastKernels, 1]];
  if (wasm) backends.push(['wasm1', wasm, 1], ['wasm2', wasm, 2]);
  const byBackend: BenchResult['trainCharsPerSecByBackend'] = { ts: {} };
  let trainMemoryMB = 0;
  for (const H of [256, 512]) {
    for (const [name, kernels, threads] of backends) {
      const jsSlow = name === 'ts';
      const steps = quick ? 2 : jsSlow ? (H === 256 ? 8 : 3) : H === 256 ? 40 : 15;
      const { rate, memoryMB } = trainRate(data, H, kernels, threads, steps);
      (byBackend[name] ??= {})[String(H)] = rate;
      trainMemoryMB = Math.max(trainMemoryMB, memoryMB);
      log(`train H=${H} L=1 T=64 B=32, ${name === 'ts' ? 'TypeScript kernels' : `${kernels.name}, ${threads} thread${threads > 1 ? 's' : ''}`}: ${rate} chars/s`);
    }
    if (byBackend.wasm1) log(`  ratio at H=${H}: wasm1/ts ${(byBackend.wasm1[H] / byBackend.ts[H]).toFixed(1)}x, wasm2/wasm1 ${(byBackend.wasm2![H] / byBackend.wasm1[H]).toFixed(2)}x`);
  }
  let trainPlainCharsPerSec: number | undefined;
  if (wasm) {
    trainPlainCharsPerSec = trainRate(data, 256, wasm, 1, quick ? 2 : 40, 0).rate;
    log(`train H=256 without direct connections, ${wasm.name}, 1 thread: ${trainPlainCharsPerSec} chars/s`);
  }
  const threads = defaultThreads();
  const defaultKey = wasm ? (threads >= 2 ? 'wasm2' : 'wasm1') : 'ts';
  const kernels = wasm ?? fastKernels;
  // latency does not depend on the weights: a fresh H=256 model
  const model = RnnModel.create({ vocabSize: data.vocab.size, hiddenSize: 256, layers: 1 }, data.vocab, 1, kernels);
  // a 200 KB document from the corpus
  let doc = '';
  for (const f of corpus.files) {
    doc += f.text;
    if (doc.length >= 200_000) break;
  }
  doc = doc.slice(0, 200_000);
  // cold start: a new session, the state at the end of the document, and a proposal
  const coldRuns: number[] = [];
  for (let r = 0; r < (quick ? 2 : 7); r++) {
    const t0 = performance.now();
    const session = new CompletionSession(model);
    session.propose(doc, doc.length);
    coldRuns.push(performance.now() - t0);
  }
  const coldStartMs = percentile(coldRuns, 0.5);
  log(`cold start, 200 KB file, H=256: ${coldStartMs.toFixed(1)} ms (median of ${coldRuns.length})`);
  // warm keystrokes: one new character, then a 40-character continuation (the worst case of a proposal)
  const session = new CompletionSession(model);
  const start = 100_000;
  session.stateAt(doc, start);
  const keystroke: number[] = [];
  const proposal: number[] = [];
  const n = quick ? 100 : 2000;
  for (let i = 1; i <= n; i++) {
    const t0 = performance.now();
    const state = session.stateAt(doc, start + i);
    generate(model, state, { maxLength: 40, mode: 'greedy', stopAtNewline: false });
    keystroke.push(performance.now() - t0);
    const t1 = performance.now();
    session.propose(doc, start + i);
    proposal.push(performance.now() - t1);
  }
  // the editor's default: direct connections (the default 32 MB table, small random values) and dynamic evaluation
  // the typed arrays that hold them (resident memory is blurred by what earlier work freed)
  const held = () => process.memoryUsage().arrayBuffers;
  const heldBefore = held();
  model.direct = new DirectConnections(DirectConnections.configForBudget(DEFAULT_TRAIN_SETTINGS.directOrders, data.vocab.size, DEFAULT_TRAIN_SETTINGS.directMB));
  const rng = new Rng(3);
  for (let i = 0; i < model.direct.table.length; i++) model.direct.table[i] = (rng.next() - 0.5) * 0.2;
  const dynamic = new DynamicEvaluation(model);
  const adaptive = new CompletionSession(model, { dynamic });
  adaptive.stateAt(doc, start);
  const directKeystroke: number[] = [];
  for (let i = 1; i <= n; i++) {
    const t0 = performance.now();
    adaptive.propose(doc, start + i, { maxChars: 40, search: 'beam', beamWidth: 4, minConfidence: 0.5 });
    directKeystroke.push(performance.now() - t0);
  }
  const segmentMs: number[] = [];
  const segDoc = encodeFiles(data.vocab, [{ relPath: 'doc', text: doc }]);
  const reader = new CompletionSession(model, { dynamic, learnPerCall: 0 });
  reader.stateAt(doc, 20_000); // queues the segments of the window
  while (dynamic.pending > 0) {
    const t0 = performance.now();
    dynamic.work(1);
    segmentMs.push(performance.now() - t0);
  }
  dynamicBitsPerChar(dynamic, segDoc); // fills the adaptation (up to its cap)
  dynamicBitsPerChar(dynamic, data.train, { maxChars: quick ? 0 : 2_000_000 });
  const directMemoryMB = (held() - heldBefore) / 2 ** 20;
  log(`with direct connections (${(model.direct.table.byteLength / 2 ** 20).toFixed(0)} MB table) and dynamic evaluation, warm keystroke (editor's proposal, beam 4): p95 ${round(percentile(directKeystroke, 0.95))} ms, max ${round(Math.max(...directKeystroke))} ms; one segment's step p95 ${round(percentile(segmentMs, 0.95))} ms; memory +${Math.round(directMemoryMB)} MB (table and a full ${dynamic.options.maxMB} MB adaptation: ${dynamic.adaptation.adaptedRows} rows, ${(dynamic.adaptation.bytes / 2 ** 20).toFixed(1)} MB)`);
  dynamic.dispose();
  const result: BenchResult = {
    trainCharsPerSec: byBackend[defaultKey]!,
    trainCharsPerSecByBackend: byBackend,
    defaultBackend: kernels.name,
    defaultThreads: wasm ? threads : 1,
    completionP50Ms: round(percentile(keystroke, 0.5)),
    completionP95Ms: round(percentile(keystroke, 0.95)),
    proposalP95Ms: round(percentile(proposal, 0.95)),
    coldStartMs: round(coldStartMs),
    directCompletionP95Ms: round(percentile(directKeystroke, 0.95)),
    directCompletionMaxMs: round(Math.max(...directKeystroke)),
    dynamicSegmentP95Ms: round(percentile(segmentMs, 0.95)),
    directMemoryMB: Math.round(directMemoryMB),
    trainPlainCharsPerSec,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    trainMemoryMB: Math.round(trainMemoryMB),
    vocabSize: data.vocab.size,
  };
  log(`warm keystroke (1 step + 40-char continuation), H=256, ${kernels.name}: p50 ${result.completionP50Ms} ms, p95 ${result.completionP95Ms} ms`);
  log(`warm keystroke with the proposal rule (stops early): p95 ${result.proposalP95Ms} ms`);
  log(`memory: peak RSS ${result.peakRssMB} MB, training ${result.trainMemoryMB} MB beyond the corpus`);
  if (json) out.write(JSON.stringify(result) + '\n');
  return 0;
}

function percentile(xs: number[], q: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

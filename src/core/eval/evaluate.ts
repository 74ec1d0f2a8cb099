/**
 * Evaluation on held-out text: bits per character (each file from the zero state) and the keystroke
 * savings rate of a simulated user who accepts the engine's proposals.
 */
import { allocChunk, BpttBuffers, Chunk, forwardChunk, freeChunk } from '../model/bptt';
import { EncodedFiles } from '../train/streams';
import { FloatArray } from '../kernels/kernels';
import { RnnModel } from '../model/model';
import { automaticCompletion, CompletionSettings, DEFAULT_COMPLETION_SETTINGS } from '../infer/completion-rules';
import { CompletionSession, SessionOptions } from '../infer/session';
import { DynamicEvaluation } from '../infer/adaptation';
import { PAD } from '../model/direct-connections';
import { InferenceStepper, zeroState } from '../model/model';

export interface BitsPerCharResult {
  bitsPerChar: number;
  /** characters predicted (each file's first character has no context and is not counted) */
  chars: number;
}

/**
 * Bits per character over the files, each read from the zero state, B files at a time in chunks of T
 * steps, at most `maxChars` predictions (files are taken in order and the last one cut).
 */
export function bitsPerChar(model: RnnModel<FloatArray>, files: EncodedFiles, opts: { maxChars?: number; T?: number; B?: number } = {}): BitsPerCharResult {
  const maxChars = opts.maxChars ?? Infinity;
  const spans: [number, number][] = [];
  let budget = maxChars;
  for (let f = 0; f + 1 < files.starts.length && budget > 0; f++) {
    const s = files.starts[f], e = files.starts[f + 1];
    if (e - s < 2) continue;
    const predictions = Math.min(e - s - 1, budget);
    spans.push([s, s + predictions + 1]);
    budget -= predictions;
  }
  if (spans.length === 0) return { bitsPerChar: NaN, chars: 0 };
  const T = opts.T ?? 64;
  const B = Math.min(opts.B ?? 32, spans.length);
  const buf = new BpttBuffers(model, T, B);
  const chunk = allocChunk(T, B, model.kernels, model.direct ? model.config.vocabSize : undefined);
  // (N, orders) the direct-connection rows of each position
  const rows = model.kernels.allocI32(model.direct ? T * B * model.direct.config.orders : 0);
  try {
    return bitsPerCharLoop(model, files, spans, buf, chunk, rows);
  } finally {
    buf.release();
    freeChunk(chunk, model.kernels);
    model.kernels.free(rows);
  }
}

function bitsPerCharLoop(model: RnnModel<FloatArray>, files: EncodedFiles, spans: [number, number][], buf: BpttBuffers<FloatArray>, chunk: Chunk, rows: Int32Array): BitsPerCharResult {
  const { T, B } = buf;
  const pos = new Array<number>(B).fill(0);
  const end = new Array<number>(B).fill(0);
  const direct = model.direct;
  const V = model.config.vocabSize;
  const R = direct?.config.orders ?? 0;
  const start = new Array<number>(B).fill(0);
  let nextSpan = 0;
  let nats = 0;
  let chars = 0;
  for (;;) {
    let active = false;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const n = t * B + b;
        let reset = 0;
        if (pos[b] >= end[b] - 1 && nextSpan < spans.length) {
          [pos[b], end[b]] = spans[nextSpan++];
          start[b] = pos[b];
          reset = 1;
        }
        if (pos[b] < end[b] - 1) {
          chunk.inputs[n] = files.tokens[pos[b]];
          chunk.targets[n] = files.tokens[pos[b] + 1];
          chunk.weight[n] = 1;
          if (direct) direct.rowsAt(files.tokens, pos[b], start[b], rows, n * R); // the span starts at its file's start
          pos[b]++;
          active = true;
        } else {
          chunk.inputs[n] = 0;
          chunk.targets[n] = 0;
          chunk.weight[n] = 0;
          rows.fill(0, n * R, (n + 1) * R); // any valid row: the position does not count
        }
        chunk.reset[n] = reset;
      }
    }
    if (!active) break;
    if (direct) model.kernels.sumRows(chunk.bias!, direct.table, rows, T * B, R, V);
    const loss = forwardChunk(model, buf, chunk);
    buf.forwardDone = false;
    nats += loss * buf.lastWeight;
    chars += buf.lastWeight;
  }
  return { bitsPerChar: nats / chars / Math.LN2, chars };
}

/**
 * Bits per character with the editor's adaptation: the files are read in order, one symbol at a time
 * from each file's zero state; every segment is predicted with the table as adapted so far (mixed with
 * the cache of the text read before each symbol, when the adaptation has one), then learned from (the
 * last, shorter segment of a file too). The adaptation and the cache carry over from file to file, as
 * in one workspace session.
 */
export function dynamicBitsPerChar(dynamic: DynamicEvaluation, files: EncodedFiles, opts: { maxChars?: number } = {}): BitsPerCharResult {
  const model = dynamic.model;
  const { hiddenSize: H, layers: L } = model.config;
  const stepper = InferenceStepper.for(model, 1);
  const K = dynamic.historyLength;
  const hist = new Int32Array(K); // (K) the symbols read, oldest first, PAD before the file
  const push = (id: number) => {
    hist.copyWithin(0, 1);
    hist[K - 1] = id;
  };
  let budget = opts.maxChars ?? Infinity;
  let nats = 0, chars = 0;
  const ids = [0];
  const seg = dynamic.newSegment();
  for (let f = 0; f + 1 < files.starts.length && budget > 0; f++) {
    const s = files.starts[f], e = files.starts[f + 1];
    if (e - s < 2) continue;
    const state = zeroState(model.config);
    hist.fill(PAD);
    dynamic.mixture?.startText();
    dynamic.read(files.tokens[s], hist, K - 1, K); // the cache counts the file's first symbol too
    push(files.tokens[s]);
    const last = Math.min(e - 1, s + budget); // inputs s .. last - 1 predict s + 1 .. last
    for (let p = s; p < last; p++) {
      ids[0] = files.tokens[p];
      stepper.step(state, ids, false);
      const target = files.tokens[p + 1];
      seg.push(state.subarray((L - 1) * H, L * H), dynamic.adaptation, hist, target);
      dynamic.read(target, hist, K - 1, K, seg, seg.count - 1);
      push(target);
      if (seg.count === seg.S || p + 1 === last) {
        nats += dynamic.learn(seg);
        chars += seg.count;
        seg.count = 0;
        seg.targets.fill(-1);
      }
    }
    budget -= last - s;
  }
  return { bitsPerChar: chars > 0 ? nats / chars / Math.LN2 : NaN, chars };
}

export interface KsrOptions {
  /** simulate at most this many typed characters in all */
  maxTypedChars?: number;
  /** the suggestion settings (the editor's defaults when left out) */
  completion?: Partial<CompletionSettings>;
  session?: SessionOptions;
}

export interface KsrResult {
  /** 1 - keystrokes / characters */
  ksr: number;
  chars: number;
  keystrokes: number;
  /** proposals shown */
  shown: number;
  /** proposals accepted */
  accepted: number;
  /** accepted / shown */
  acceptance: number;
}

/**
 * Something that proposes a single-line continuation of `text` at `offset`, or nothing: the RNN's
 * completion session, or a baseline. One proposer is made per text.
 */
export type Proposer = (text: string, offset: number) => string | undefined;

/**
 * The keystroke savings rate of a simulated user typing each text from start to end: before each
 * character the engine proposes a single-line continuation; when it is a non-empty prefix of the rest
 * of the current line the user accepts it with one keystroke, otherwise types one character.
 */
export function simulateTyping(texts: readonly string[], proposerFor: (text: string) => Proposer, maxChars = Infinity): KsrResult {
  let chars = 0, keystrokes = 0, shown = 0, accepted = 0;
  for (const full of texts) {
    if (chars >= maxChars) break;
    const text = full.length > maxChars - chars ? full.slice(0, maxChars - chars) : full;
    const propose = proposerFor(text);
    let i = 0;
    while (i < text.length) {
      let lineEnd = text.indexOf('\n', i);
      if (lineEnd < 0) lineEnd = text.length;
      const proposal = propose(text, i);
      keystrokes++;
      if (proposal) {
        shown++;
        if (i + proposal.length <= lineEnd && text.startsWith(proposal, i)) {
          accepted++;
          i += proposal.length;
          continue;
        }
      }
      i++;
    }
    chars += text.length;
  }
  return { ksr: chars > 0 ? 1 - keystrokes / chars : 0, chars, keystrokes, shown, accepted, acceptance: shown > 0 ? accepted / shown : 0 };
}

/**
 * The keystroke savings of the RNN's suggestions as the editor shows them (`automaticCompletion`, a
 * completion session per text). The document holds only what the user has typed so far.
 */
export function keystrokeSavings(model: RnnModel<FloatArray>, texts: readonly string[], opts: KsrOptions = {}): KsrResult {
  const settings: CompletionSettings = { ...DEFAULT_COMPLETION_SETTINGS, ...opts.completion };
  return simulateTyping(
    texts,
    () => {
      const session = new CompletionSession(model, opts.session);
      return (text, offset) => {
        const base = session.reach(offset);
        return automaticCompletion(session, text.slice(base, offset), offset, settings, base)?.text;
      };
    },
    opts.maxTypedChars,
  );
}

/**
 * Evaluation of the editor's engine on held-out text: bits per character with its adaptation
 * (dynamic evaluation, each file from the zero state) and the keystroke savings rate of a simulated
 * user who accepts its proposals. The static model's bits per character is model/bits-per-char.ts.
 */
import { BitsPerCharResult } from '../model/bits-per-char';
import { EncodedFiles } from '../model/encoded-text';
import { FloatArray } from '../kernels/kernels';
import { RnnModel } from '../model/model';
import { automaticCompletion, CompletionSettings, DEFAULT_COMPLETION_SETTINGS } from '../infer/completion-rules';
import { CompletionSession, SessionOptions } from '../infer/session';
import { DynamicEvaluation } from '../infer/adaptation';
import { PAD } from '../model/direct-connections';
import { InferenceStepper, zeroState } from '../model/model';


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

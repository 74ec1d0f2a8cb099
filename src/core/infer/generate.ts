/**
 * Generation from a hidden state: sampling (temperature, top-k, top-p) and greedy decoding, with the
 * distribution every decoder here reads (the model's softmax, plus the direct connections and the
 * cache mixture where given); beam search is beam-search.ts, the completion proposal proposal.ts. The
 * unknown symbol is never generated. Reported probabilities are the model's own (the softmax at
 * temperature 1), whatever distribution the characters were drawn from.
 */
import { FloatArray } from '../kernels/kernels';
import { InferenceStepper, RnnModel } from '../model/model';
import { DirectContext, DirectTerm } from '../model/direct-connections';
import { CacheMixture, MixtureContext } from './cache-mixture';
import { Rng } from '../model/rng';
import { UNKNOWN } from '../model/vocab';

export interface SampleOptions {
  /** > 0; near 0 is greedy. Default 1. */
  temperature?: number;
  /** keep only the k most likely characters; 0 or undefined: all */
  topK?: number;
  /** keep the smallest set whose probability reaches p; 1 or undefined: all */
  topP?: number;
}

export interface Generation {
  text: string;
  ids: number[];
  /** the model's probability of each generated character */
  probs: number[];
  /** sum of log probabilities of the generated characters (natural log) */
  logProb: number;
  /** why generation stopped */
  stop: 'newline' | 'length';
}

function validateSampleOptions(o: SampleOptions): void {
  if (o.temperature !== undefined && !(o.temperature >= 0 && Number.isFinite(o.temperature))) throw new Error(`temperature must be a number >= 0 (0: greedy), got ${o.temperature}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0)) throw new Error(`top-k must be a whole number >= 0, got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new Error(`top-p must be in (0, 1], got ${o.topP}`);
}

/** out (V) = softmax(logits / temperature), with the unknown symbol's probability forced to 0. */
export function softmax(out: Float64Array, logits: FloatArray, offset: number, V: number, temperature = 1): Float64Array {
  let max = -Infinity;
  for (let v = 1; v < V; v++) if (logits[offset + v] > max) max = logits[offset + v];
  let sum = 0;
  out[UNKNOWN] = 0;
  for (let v = 1; v < V; v++) {
    const e = Math.exp((logits[offset + v] - max) / temperature);
    out[v] = e;
    sum += e;
  }
  for (let v = 1; v < V; v++) out[v] /= sum;
  return out;
}

/**
 * Draws one id from softmax(logits / T) restricted to the top-k and top-p sets. `scratch` (V) and
 * `order` (V) are work arrays. Temperature 0 (and below 1e-4) is greedy, by convention.
 */
export function sampleId(logits: FloatArray, offset: number, V: number, opts: SampleOptions, rng: Rng, scratch: Float64Array, order: Int32Array): number {
  const T = opts.temperature ?? 1;
  if (T < 1e-4) return argmax(logits, offset, V);
  return sampleFromProbs(softmax(scratch, logits, offset, V, T), V, opts, rng, order);
}

/**
 * Draws one id from p (V, summing to 1, the unknown symbol at 0) raised to 1 / T and renormalised,
 * restricted to the top-k and top-p sets. `p` is overwritten. Temperature 0 (and below 1e-4) is greedy.
 */
function sampleFromDistribution(p: Float64Array, V: number, opts: SampleOptions, rng: Rng, order: Int32Array): number {
  const T = opts.temperature ?? 1;
  if (T < 1e-4) return argmax(p, 0, V);
  if (T !== 1) {
    let sum = 0;
    for (let v = 1; v < V; v++) sum += (p[v] = p[v] > 0 ? Math.pow(p[v], 1 / T) : 0);
    for (let v = 1; v < V; v++) p[v] /= sum;
  }
  p[UNKNOWN] = 0;
  return sampleFromProbs(p, V, opts, rng, order);
}

function sampleFromProbs(p: Float64Array, V: number, opts: SampleOptions, rng: Rng, order: Int32Array): number {
  const topK = opts.topK && opts.topK > 0 ? Math.min(opts.topK, V - 1) : V - 1;
  const topP = opts.topP ?? 1;
  let n = 0;
  for (let v = 1; v < V; v++) order[n++] = v;
  let keep = n;
  if (topK < n || topP < 1) {
    const sorted = Array.from(order.subarray(0, n)).sort((a, b) => p[b] - p[a] || a - b);
    keep = topK;
    if (topP < 1) {
      let cum = 0;
      for (let i = 0; i < keep; i++) {
        cum += p[sorted[i]];
        if (cum >= topP) { keep = i + 1; break; }
      }
    }
    for (let i = 0; i < keep; i++) order[i] = sorted[i];
  }
  let total = 0;
  for (let i = 0; i < keep; i++) total += p[order[i]];
  let r = rng.next() * total;
  for (let i = 0; i < keep; i++) {
    r -= p[order[i]];
    if (r < 0) return order[i];
  }
  return order[keep - 1];
}

export function argmax(logits: ArrayLike<number>, offset: number, V: number): number {
  let best = 1;
  for (let v = 2; v < V; v++) if (logits[offset + v] > logits[offset + best]) best = v;
  return best;
}

/** How many lines a continuation may span: 1 stops before the first newline (the default). */
export function lineLimit(opts: { maxLines?: number; stopAtNewline?: boolean }): number {
  if (opts.maxLines !== undefined) return opts.maxLines;
  return opts.stopAtNewline === false ? Infinity : 1;
}

/**
 * What the direct connections and the cache mixture need to continue a text (the direct connections are
 * ignored by a model without them).
 */
export interface DirectOptions {
  /** the symbol ids before the state (the last few matter; none: the text starts here) */
  history?: ArrayLike<number>;
  /** the direct-connection term to use instead of the model's own (an adaptation of it) */
  direct?: DirectTerm;
  /** the cache mixture (cache-mixture.ts): every distribution is the model's mixed with the cache's */
  mixture?: CacheMixture;
}

/** The direct-connection context of M rows, each with the same history, or undefined without direct connections. */
export function directContext(model: RnnModel<FloatArray>, opts: DirectOptions, M: number): DirectContext | undefined {
  const term = opts.direct ?? model.direct;
  if (!term) return undefined;
  const ctx = new DirectContext(term, M);
  for (let m = 0; m < M; m++) ctx.set(m, opts.history ?? []);
  return ctx;
}

/** The cache histories of M rows, each with the same history, or undefined without a mixture. */
export function mixtureContext(opts: DirectOptions, M: number): MixtureContext | undefined {
  if (!opts.mixture) return undefined;
  const ctx = new MixtureContext(opts.mixture, M);
  for (let m = 0; m < M; m++) ctx.set(m, opts.history ?? []);
  return ctx;
}

/** p (V) := the distribution of row m: the model's softmax (unknown excluded), mixed with the cache's when there is one. */
export function distribution(p: Float64Array, logits: FloatArray, m: number, V: number, mctx: MixtureContext | undefined): Float64Array {
  softmax(p, logits, m * V, V);
  mctx?.mixInto(p, m);
  return p;
}

export interface GenerateOptions extends SampleOptions, DirectOptions {
  maxLength: number;
  /** stop before a newline (the newline is not part of the text); default true */
  stopAtNewline?: boolean;
  /** stop before the newline that would start line maxLines + 1 (overrides stopAtNewline) */
  maxLines?: number;
  /** 'sample' (default) or 'greedy' */
  mode?: 'sample' | 'greedy';
  rng?: Rng;
}

/**
 * Generates from `state` (L, 1, H), the state after the text so far; the state is not modified. The
 * result carries the state after the generated text, to continue from.
 */
export function generate(model: RnnModel<FloatArray>, state: Float32Array, opts: GenerateOptions): Generation & { state: Float32Array } {
  validateSampleOptions(opts);
  const V = model.config.vocabSize;
  const stepper = InferenceStepper.for(model, 1);
  const s = Float32Array.from(state);
  const scratch = new Float64Array(V);
  const order = new Int32Array(V);
  const probs1 = new Float64Array(V);
  const rng = opts.rng ?? new Rng(0);
  const maxLines = lineLimit(opts);
  let lines = 1;
  const newline = model.vocab.idOfCodePoint(10);
  const out: Generation & { state: Float32Array } = { text: '', ids: [], probs: [], logProb: 0, stop: 'length', state: s };
  const ctx = directContext(model, opts, 1);
  const mctx = mixtureContext(opts, 1);
  let logits = stepper.outputs(s);
  ctx?.addTo(logits);
  for (let i = 0; i < opts.maxLength; i++) {
    let id: number;
    if (mctx) {
      distribution(probs1, logits, 0, V, mctx);
      scratch.set(probs1);
      id = opts.mode === 'greedy' ? argmax(probs1, 0, V) : sampleFromDistribution(scratch, V, opts, rng, order);
    } else {
      id = opts.mode === 'greedy' ? argmax(logits, 0, V) : sampleId(logits, 0, V, opts, rng, scratch, order);
      softmax(probs1, logits, 0, V);
    }
    const p = probs1[id];
    if (id === newline && ++lines > maxLines) { out.stop = 'newline'; break; }
    out.ids.push(id);
    out.probs.push(p);
    out.logProb += Math.log(p);
    stepper.step(s, [id], true);
    logits = stepper.logits;
    ctx?.push(0, id);
    ctx?.addTo(logits);
    mctx?.push(0, id);
  }
  out.text = model.vocab.decode(out.ids);
  return out;
}

/**
 * Row w of the next step continues beam chosen[w].beam with chosen[w].id: its state (next (L, W, H)
 * from states) and its histories; returns the ids (W) to step with.
 */

/**
 * Generation from a hidden state: sampling (temperature, top-k, top-p), greedy decoding, beam search
 * for the most likely continuation, and the completion proposal cut where its expected saving is
 * largest. The unknown symbol is never generated. Reported probabilities are the model's own (the
 * softmax at temperature 1), whatever distribution the characters were drawn from.
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

export function validateSampleOptions(o: SampleOptions): void {
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
export function sampleFromDistribution(p: Float64Array, V: number, opts: SampleOptions, rng: Rng, order: Int32Array): number {
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

function argmax(logits: ArrayLike<number>, offset: number, V: number): number {
  let best = 1;
  for (let v = 2; v < V; v++) if (logits[offset + v] > logits[offset + best]) best = v;
  return best;
}

/** How many lines a continuation may span: 1 stops before the first newline (the default). */
function lineLimit(opts: { maxLines?: number; stopAtNewline?: boolean }): number {
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
function directContext(model: RnnModel<FloatArray>, opts: DirectOptions, M: number): DirectContext | undefined {
  const term = opts.direct ?? model.direct;
  if (!term) return undefined;
  const ctx = new DirectContext(term, M);
  for (let m = 0; m < M; m++) ctx.set(m, opts.history ?? []);
  return ctx;
}

/** The cache histories of M rows, each with the same history, or undefined without a mixture. */
function mixtureContext(opts: DirectOptions, M: number): MixtureContext | undefined {
  if (!opts.mixture) return undefined;
  const ctx = new MixtureContext(opts.mixture, M);
  for (let m = 0; m < M; m++) ctx.set(m, opts.history ?? []);
  return ctx;
}

/** p (V) := the distribution of row m: the model's softmax (unknown excluded), mixed with the cache's when there is one. */
function distribution(p: Float64Array, logits: FloatArray, m: number, V: number, mctx: MixtureContext | undefined): Float64Array {
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
function extendBeams(
  chosen: readonly { beam: number; id: number }[],
  s: { states: Float32Array; next: Float32Array; L: number; W: number; H: number },
  ctx: DirectContext | undefined, ctxNext: DirectContext | undefined,
  mctx: MixtureContext | undefined, mctxNext: MixtureContext | undefined,
): Int32Array {
  const { states, next, L, W, H } = s;
  const ids = new Int32Array(W);
  chosen.forEach((c, w) => {
    ids[w] = c.id;
    for (let l = 0; l < L; l++) next.set(states.subarray((l * W + c.beam) * H, (l * W + c.beam + 1) * H), (l * W + w) * H);
    if (ctx && ctxNext) {
      ctxNext.copyRow(ctx, c.beam, w);
      ctxNext.push(w, c.id);
    }
    if (mctx && mctxNext) {
      mctxNext.copyRow(mctx, c.beam, w);
      mctxNext.push(w, c.id);
    }
  });
  return ids;
}

export interface BeamOptions extends DirectOptions {
  maxLength: number;
  beamWidth?: number;
  stopAtNewline?: boolean;
  /** a continuation ends with the newline that would start line maxLines + 1 (overrides stopAtNewline) */
  maxLines?: number;
}

/**
 * Beam search for the most likely continuation: a line ended by a newline scores P(text) x P(newline |
 * text); a continuation that reaches maxLength scores P(text).
 */
export function beamSearch(model: RnnModel<FloatArray>, state: Float32Array, opts: BeamOptions): Generation {
  const W = opts.beamWidth ?? 4;
  if (!(Number.isInteger(W) && W >= 1 && W <= 64)) throw new Error(`beam width must be an integer from 1 to 64, got ${W}`);
  const { vocabSize: V, hiddenSize: H, layers: L } = model.config;
  const maxLines = lineLimit(opts);
  const newline = model.vocab.idOfCodePoint(10);
  const stepper = InferenceStepper.for(model, W);
  let states = new Float32Array(L * W * H); // (L, W, H)
  let next = new Float32Array(L * W * H);
  for (let l = 0; l < L; l++) for (let w = 0; w < W; w++) states.set(state.subarray(l * H, (l + 1) * H), (l * W + w) * H);
  type Beam = { ids: number[]; probs: number[]; logProb: number; lines: number };
  let beams: Beam[] = [{ ids: [], probs: [], logProb: 0, lines: 1 }];
  let best: (Beam & { stop: 'newline' | 'length' }) | undefined;
  const p = new Float64Array(V);
  let ctx = directContext(model, opts, W);
  let ctxNext = ctx && new DirectContext(ctx.term, W);
  let mctx = mixtureContext(opts, W);
  let mctxNext = mctx && new MixtureContext(mctx.mixture, W);
  stepper.outputs(states);
  ctx?.addTo(stepper.logits, 1);
  for (let step = 0; step <= opts.maxLength && beams.length > 0; step++) {
    type Cand = { beam: number; id: number; prob: number; logProb: number };
    const cands: Cand[] = [];
    for (let b = 0; b < beams.length; b++) {
      distribution(p, stepper.logits, b, V, mctx);
      for (let v = 1; v < V; v++) {
        if (p[v] <= 0) continue;
        const lp = beams[b].logProb + Math.log(p[v]);
        if (best && lp <= best.logProb) continue; // cannot beat a finished beam
        if (v === newline && beams[b].lines + 1 > maxLines) {
          if (!best || lp > best.logProb) best = { ...beams[b], logProb: lp, stop: 'newline' };
          continue;
        }
        cands.push({ beam: b, id: v, prob: p[v], logProb: lp });
      }
    }
    if (step === opts.maxLength) {
      for (const beam of beams) if (!best || beam.logProb > best.logProb) best = { ...beam, stop: 'length' };
      break;
    }
    cands.sort((a, c) => c.logProb - a.logProb || a.beam - c.beam || a.id - c.id);
    const chosen = cands.slice(0, W);
    const ids = extendBeams(chosen, { states, next, L, W, H }, ctx, ctxNext, mctx, mctxNext);
    beams = chosen.map((c) => ({ ids: [...beams[c.beam].ids, c.id], probs: [...beams[c.beam].probs, c.prob], logProb: c.logProb, lines: beams[c.beam].lines + (c.id === newline ? 1 : 0) }));
    [states, next] = [next, states];
    [ctx, ctxNext] = [ctxNext, ctx];
    [mctx, mctxNext] = [mctxNext, mctx];
    if (beams.length > 0) {
      stepper.step(states, ids, true);
      ctx?.addTo(stepper.logits, beams.length);
    }
  }
  const b = best ?? { ids: [], probs: [], logProb: 0, lines: 1, stop: 'length' as const };
  return { text: model.vocab.decode(b.ids), ids: b.ids, probs: b.probs, logProb: b.logProb, stop: b.stop };
}

/**
 * Beam search for the proposal: among every prefix of every beam kept, the one that maximises
 * P(prefix) x (length - 1) with P(prefix) >= `minConfidence` and length >= 2 (the keystrokes it saves
 * on average). A newline ends a beam (a proposal spans one line). The search stops as soon as no beam
 * can lead to a better prefix: P(beam) x (maxLength - 1) <= the best saving, or P(beam) below the gate.
 * Returns the best prefix (empty when none qualifies).
 */
export function beamProposal(model: RnnModel<FloatArray>, state: Float32Array, opts: BeamOptions & { minConfidence?: number }): Generation {
  const W = opts.beamWidth ?? 4;
  if (!(Number.isInteger(W) && W >= 1 && W <= 64)) throw new Error(`beam width must be an integer from 1 to 64, got ${W}`);
  const { vocabSize: V, hiddenSize: H, layers: L } = model.config;
  const minConfidence = opts.minConfidence ?? 0;
  const newline = model.vocab.idOfCodePoint(10);
  const stepper = InferenceStepper.for(model, W);
  let states = new Float32Array(L * W * H); // (L, W, H)
  let next = new Float32Array(L * W * H);
  for (let l = 0; l < L; l++) for (let w = 0; w < W; w++) states.set(state.subarray(l * H, (l + 1) * H), (l * W + w) * H);
  type Beam = { ids: number[]; probs: number[]; logProb: number };
  let beams: Beam[] = [{ ids: [], probs: [], logProb: 0 }];
  let best: Beam | undefined;
  let bestSaving = 0;
  const p = new Float64Array(V);
  let ctx = directContext(model, opts, W);
  let ctxNext = ctx && new DirectContext(ctx.term, W);
  let mctx = mixtureContext(opts, W);
  let mctxNext = mctx && new MixtureContext(mctx.mixture, W);
  const logGate = Math.log(Math.max(minConfidence, 1e-300));
  stepper.outputs(states);
  ctx?.addTo(stepper.logits, 1);
  for (let step = 0; step < opts.maxLength && beams.length > 0; step++) {
    type Cand = { beam: number; id: number; prob: number; logProb: number };
    const cands: Cand[] = [];
    for (let b = 0; b < beams.length; b++) {
      distribution(p, stepper.logits, b, V, mctx);
      for (let v = 1; v < V; v++) {
        if (p[v] <= 0 || v === newline) continue;
        const lp = beams[b].logProb + Math.log(p[v]);
        if (lp < logGate || Math.exp(lp) * (opts.maxLength - 1) <= bestSaving) continue; // cannot lead to a better prefix
        cands.push({ beam: b, id: v, prob: p[v], logProb: lp });
      }
    }
    cands.sort((a, c) => c.logProb - a.logProb || a.beam - c.beam || a.id - c.id);
    const chosen = cands.slice(0, W);
    if (chosen.length === 0) break;
    const ids = extendBeams(chosen, { states, next, L, W, H }, ctx, ctxNext, mctx, mctxNext);
    beams = chosen.map((c) => ({ ids: [...beams[c.beam].ids, c.id], probs: [...beams[c.beam].probs, c.prob], logProb: c.logProb }));
    for (const beam of beams) {
      const k = beam.ids.length;
      const saving = Math.exp(beam.logProb) * (k - 1);
      if (k >= 2 && saving > bestSaving) {
        bestSaving = saving;
        best = beam;
      }
    }
    [states, next] = [next, states];
    [ctx, ctxNext] = [ctxNext, ctx];
    [mctx, mctxNext] = [mctxNext, mctx];
    if (step + 1 < opts.maxLength) {
      stepper.step(states, ids, true);
      ctx?.addTo(stepper.logits, beams.length);
    }
  }
  const b = best ?? { ids: [], probs: [], logProb: 0 };
  return { text: model.vocab.decode(b.ids), ids: b.ids, probs: b.probs, logProb: b.logProb, stop: 'length' };
}

export interface ProposalOptions extends SampleOptions, DirectOptions {
  /** the longest proposal, in characters; default 40 */
  maxChars?: number;
  /** show only when P(proposal) is at least this; default 0 */
  minConfidence?: number;
  /** lines a proposal may span; default 1 */
  maxLines?: number;
  /** 'greedy' (default, cheapest), 'beam' (the most likely continuation), or 'sample' (drawn with temperature, top-k, top-p) */
  search?: 'greedy' | 'beam' | 'sample';
  beamWidth?: number;
  /** for 'sample' */
  rng?: Rng;
}

export interface Proposal {
  text: string;
  /** P(the proposal's characters) under the model */
  prob: number;
  /** prob x (length - 1): the keystrokes it saves on average */
  expectedSaving: number;
  /** the whole continuation the cut was chosen from */
  full: Generation;
}

/**
 * The length k (in symbols) that maximises P(first k) x (k - 1) among the cuts whose probability
 * reaches `minConfidence`; 0 when there is none of at least 2 symbols.
 */
export function bestCut(probs: readonly number[], minConfidence: number): { k: number; prob: number; saving: number } {
  let best = 0, bestK = 0, prob = 1, bestProb = 0;
  for (let k = 1; k <= probs.length; k++) {
    prob *= probs[k - 1];
    if (k >= 2 && prob >= minConfidence && prob * (k - 1) > best) {
      best = prob * (k - 1);
      bestK = k;
      bestProb = prob;
    }
  }
  return { k: bestK, prob: bestProb, saving: best };
}

/**
 * The completion to show after `state`: a continuation (most likely by default) cut at the length k
 * that maximises P(first k characters) x (k - 1), never a single character; undefined when nothing
 * reaches `minConfidence`.
 */
export function propose(model: RnnModel<FloatArray>, state: Float32Array, opts: ProposalOptions = {}): Proposal | undefined {
  const maxChars = opts.maxChars ?? 40;
  const minConfidence = opts.minConfidence ?? 0;
  const maxLines = opts.maxLines ?? 1;
  if (!(Number.isInteger(maxChars) && maxChars >= 2)) throw new Error(`the longest proposal must be at least 2 characters, got ${maxChars}`);
  const full = opts.search === 'beam'
    ? maxLines === 1
      ? beamProposal(model, state, { maxLength: maxChars, beamWidth: opts.beamWidth, minConfidence, history: opts.history, direct: opts.direct, mixture: opts.mixture })
      : beamSearch(model, state, { maxLength: maxChars, beamWidth: opts.beamWidth, maxLines, history: opts.history, direct: opts.direct, mixture: opts.mixture })
    : opts.search === 'sample'
      ? generate(model, state, { ...opts, maxLength: maxChars, maxLines, mode: 'sample' })
      : greedyPruned(model, state, maxChars, minConfidence, maxLines, opts);
  const cut = bestCut(full.probs, minConfidence);
  if (cut.k < 2) return undefined;
  // a proposal ends at a code point boundary: ids are code points, so slice by ids
  const text = model.vocab.decode(full.ids.slice(0, cut.k));
  if (text.length === 0) return undefined;
  return { text, prob: cut.prob, expectedSaving: cut.saving, full };
}

/** Greedy decoding that stops as soon as no longer continuation can beat the best cut so far. */
function greedyPruned(model: RnnModel<FloatArray>, state: Float32Array, maxChars: number, minConfidence: number, maxLines: number, direct: DirectOptions): Generation {
  const V = model.config.vocabSize;
  const stepper = InferenceStepper.for(model, 1);
  const s = Float32Array.from(state);
  const p = new Float64Array(V);
  const newline = model.vocab.idOfCodePoint(10);
  const out: Generation = { text: '', ids: [], probs: [], logProb: 0, stop: 'length' };
  const ctx = directContext(model, direct, 1);
  const mctx = mixtureContext(direct, 1);
  let logits = stepper.outputs(s);
  ctx?.addTo(logits);
  let prob = 1, best = 0, lines = 1;
  for (let k = 1; k <= maxChars; k++) {
    distribution(p, logits, 0, V, mctx);
    const id = argmax(p, 0, V);
    if (id === newline && ++lines > maxLines) { out.stop = 'newline'; break; }
    const pk = p[id];
    prob *= pk;
    out.ids.push(id);
    out.probs.push(pk);
    out.logProb += Math.log(pk);
    if (k >= 2 && prob >= minConfidence) best = Math.max(best, prob * (k - 1));
    if (prob < minConfidence || prob * (maxChars - 1) <= best && k >= 2) break; // no longer cut can do better
    if (k < maxChars) {
      stepper.step(s, [id], true);
      logits = stepper.logits;
      ctx?.push(0, id);
      ctx?.addTo(logits);
      mctx?.push(0, id);
    }
  }
  out.text = model.vocab.decode(out.ids);
  return out;
}

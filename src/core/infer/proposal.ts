/**
 * The completion proposal: the continuation shown as ghost text, cut after the character where its
 * expected saving (characters x probability of all of them) is largest, and shown only above a
 * confidence. Greedy decoding pruned at that confidence, or the beam proposal (beam-search.ts).
 */
import { FloatArray } from '../kernels/kernels';
import { InferenceStepper, RnnModel } from '../model/model';
import { beamProposal, beamSearch } from './beam-search';
import { Rng } from '../model/rng';
import { argmax, directContext, DirectOptions, distribution, generate, Generation, mixtureContext, SampleOptions } from './generate';

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

/**
 * Beam search for the most likely continuation from a hidden state (the completion's default
 * decoder), and the beam proposal: the most likely continuation cut where its expected saving is
 * largest (proposal.ts).
 */
import { FloatArray } from '../kernels/kernels';
import { DirectContext } from '../model/direct-connections';
import { InferenceStepper, RnnModel } from '../model/model';
import { MixtureContext } from './cache-mixture';
import { Generation, DirectOptions, directContext, mixtureContext, distribution, lineLimit } from './generate';

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

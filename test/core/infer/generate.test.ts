import assert from 'node:assert/strict';
import { generate, sampleId, softmax } from '../../../src/core/infer/generate';
import { propose } from '../../../src/core/infer/proposal';
import { beamProposal, beamSearch } from '../../../src/core/infer/beam-search';
import { InferenceStepper, zeroState } from '../../../src/core/model/model';
import { Rng } from '../../../src/core/model/rng';
import { bigramModel, smallModel } from '../../helpers/model';

const V = 7;
const logits = Float32Array.from([5, 1.0, 2.0, 0.5, -1.0, 1.5, 0.0]); // index 0 is the unknown symbol: never drawn

function frequencies(draws: number, pick: (rng: Rng) => number): Float64Array {
  const rng = new Rng(123);
  const counts = new Float64Array(V);
  for (let i = 0; i < draws; i++) counts[pick(rng)]++;
  return counts.map((c) => c / draws);
}

describe('sampling', () => {
  const scratch = new Float64Array(V);
  const order = new Int32Array(V);
  for (const T of [1, 0.5, 2]) {
    it(`empirical frequencies match softmax(logits / ${T}) and never give the unknown symbol`, () => {
      const draws = 200_000;
      const f = frequencies(draws, (rng) => sampleId(logits, 0, V, { temperature: T }, rng, scratch, order));
      const p = softmax(new Float64Array(V), logits, 0, V, T);
      assert.equal(f[0], 0);
      for (let v = 1; v < V; v++) {
        const sigma = Math.sqrt((p[v] * (1 - p[v])) / draws);
        assert.ok(Math.abs(f[v] - p[v]) < 5 * sigma + 1e-9, `symbol ${v}: ${f[v]} vs ${p[v]}`);
      }
    });
  }
  it('top-k never emits outside the k most likely, and keeps their ratios', () => {
    const f = frequencies(100_000, (rng) => sampleId(logits, 0, V, { topK: 2 }, rng, scratch, order));
    // the two most likely (ignoring the unknown symbol) are ids 2 (2.0) and 5 (1.5)
    for (let v = 0; v < V; v++) if (v !== 2 && v !== 5) assert.equal(f[v], 0, `id ${v} drawn`);
    const expected = Math.exp(2.0) / (Math.exp(2.0) + Math.exp(1.5));
    assert.ok(Math.abs(f[2] - expected) < 0.01);
  });
  it('top-p keeps the smallest set reaching p', () => {
    const p = softmax(new Float64Array(V), logits, 0, V);
    // sorted: 2, 5, 1, 3, 6, 4; the first two hold p[2] + p[5]
    const topP = p[2] + p[5] - 1e-6;
    const f = frequencies(50_000, (rng) => sampleId(logits, 0, V, { topP }, rng, scratch, order));
    for (let v = 0; v < V; v++) if (v !== 2 && v !== 5) assert.equal(f[v], 0, `id ${v} drawn`);
    const f3 = frequencies(50_000, (rng) => sampleId(logits, 0, V, { topP: p[2] + p[5] + 1e-6 }, rng, scratch, order));
    assert.ok(f3[1] > 0, 'the third most likely joins once p exceeds the first two');
    assert.equal(f3[3] + f3[4] + f3[6], 0);
  });
  it('temperature 0 (by convention) and near 0 equal greedy', () => {
    const model = bigramModel(['a', 'b', 'c', 'd'], { a: { b: 0.5, c: 0.3 }, b: { c: 0.6 }, c: { d: 0.55 }, d: { a: 0.4, b: 0.35 } });
    const state = zeroState(model.config);
    new InferenceStepper(model).step(state, [1], false); // after 'a'
    const greedy = generate(model, state, { maxLength: 12, mode: 'greedy', stopAtNewline: false });
    const cold = generate(model, state, { maxLength: 12, temperature: 1e-6, stopAtNewline: false, rng: new Rng(5) });
    assert.equal(greedy.text, 'bcdabcdabcda');
    assert.equal(cold.text, greedy.text);
    const zero = generate(model, state, { maxLength: 12, temperature: 0, stopAtNewline: false, rng: new Rng(5) });
    assert.equal(zero.text, greedy.text);
    assert.deepEqual(zero.probs, greedy.probs, 'the probabilities reported are the model\'s (temperature 1), as for greedy');
    assert.ok(Math.abs(greedy.probs[0] - 0.5) < 1e-4);
    assert.ok(Math.abs(greedy.logProb - greedy.probs.reduce((s, p) => s + Math.log(p), 0)) < 1e-9);
  });
  it('refuses bad sampling options', () => {
    const model = bigramModel(['a', 'b'], {});
    const s = zeroState(model.config);
    assert.throws(() => generate(model, s, { maxLength: 3, temperature: -0.5 }), /temperature must be a number >= 0 \(0: greedy\), got -0.5/);
    assert.throws(() => generate(model, s, { maxLength: 3, temperature: NaN }), /temperature must be a number >= 0/);
    assert.throws(() => generate(model, s, { maxLength: 3, topP: 1.5 }), /top-p must be in \(0, 1\]/);
    assert.throws(() => generate(model, s, { maxLength: 3, topK: -1 }), /top-k/);
  });
});

describe('beam search and the proposal rule', () => {
  it('beam search finds a likelier continuation than greedy', () => {
    const model = bigramModel(['a', 'b', 'c', 'x', 'y', 'z'], {
      a: { b: 0.55, c: 0.45 }, b: { x: 0.34, y: 0.33, z: 0.33 }, c: { z: 0.999 },
    });
    const state = zeroState(model.config);
    new InferenceStepper(model).step(state, [1], false); // after 'a'
    const greedy = generate(model, state, { maxLength: 2, mode: 'greedy' });
    const beam = beamSearch(model, state, { maxLength: 2, beamWidth: 3 });
    assert.equal(greedy.text, 'bx');
    assert.equal(beam.text, 'cz');
    assert.ok(beam.logProb > greedy.logProb);
    assert.ok(Math.abs(Math.exp(beam.logProb) - 0.45 * 0.999) < 1e-3);
  });
  it('beam search ends a line at the newline when that is most likely', () => {
    const model = bigramModel(['a', 'b', '\n'], { a: { b: 0.9 }, b: { '\n': 0.9 } });
    const state = zeroState(model.config);
    new InferenceStepper(model).step(state, [1], false);
    const beam = beamSearch(model, state, { maxLength: 10, beamWidth: 2 });
    assert.equal(beam.text, 'b');
    assert.equal(beam.stop, 'newline');
  });
  it('cuts where P(first k) x (k - 1) is largest, never at one character, and applies the gate', () => {
    // after 'a': b .9, c .9, d .4, e .95, f .3: savings k=2 .81, k=3 .648, k=4 .923, k=5 .369
    const model = bigramModel(['a', 'b', 'c', 'd', 'e', 'f'], { a: { b: 0.9 }, b: { c: 0.9 }, c: { d: 0.4 }, d: { e: 0.95 }, e: { f: 0.3 }, f: { a: 0.3 } });
    const state = zeroState(model.config);
    new InferenceStepper(model).step(state, [1], false);
    const p = propose(model, state, { maxChars: 40 })!;
    assert.equal(p.text, 'bcde');
    assert.ok(Math.abs(p.prob - 0.9 * 0.9 * 0.4 * 0.95) < 1e-3);
    assert.ok(Math.abs(p.expectedSaving - 3 * 0.9 * 0.9 * 0.4 * 0.95) < 1e-3);
    // a gate of 0.5 leaves only the cuts whose probability reaches it
    assert.equal(propose(model, state, { minConfidence: 0.5 })!.text, 'bc');
    assert.equal(propose(model, state, { minConfidence: 0.85 }), undefined);
    assert.equal(propose(model, state, { search: 'beam', beamWidth: 2 })!.text, 'bcde');
    assert.equal(propose(model, state, { maxChars: 3 })!.text, 'bc');
  });
  it('proposes nothing when only one character is likely', () => {
    const model = bigramModel(['a', 'b', 'c', 'd'], { a: { b: 0.99 }, b: { c: 0.34, d: 0.33, a: 0.33 } });
    const state = zeroState(model.config);
    new InferenceStepper(model).step(state, [1], false);
    const p = propose(model, state, { minConfidence: 0.4 });
    assert.equal(p, undefined);
  });
});

describe('the proposal\'s beam search', () => {
  it('finds the prefix with the largest P(prefix) x (length - 1), as an exhaustive search does', () => {
    for (const seed of [1, 2, 3]) {
      const model = smallModel(['abcabcab cab'], 16, 1, seed); // symbols '', ' ', a, b, c
      const V = model.config.vocabSize;
      const state = zeroState(model.config);
      const stepper = InferenceStepper.for(model, 1);
      const p = new Float64Array(V);
      // every continuation of up to 3 symbols (never the unknown), stepping the model directly
      let best = 0, bestText = '';
      const walk = (s: Float32Array, ids: number[], prob: number) => {
        if (ids.length >= 2 && prob * (ids.length - 1) > best) { best = prob * (ids.length - 1); bestText = model.vocab.decode(ids); }
        if (ids.length === 3) return;
        const logits = ids.length === 0 ? stepper.outputs(Float32Array.from(s)) : stepper.logits;
        softmax(p, logits, 0, V);
        const probs = Float64Array.from(p);
        for (let v = 1; v < V; v++) {
          const next = Float32Array.from(s);
          stepper.step(next, [v], true);
          walk(next, [...ids, v], prob * probs[v]);
        }
      };
      walk(state, [], 1);
      const g = beamProposal(model, state, { maxLength: 3, beamWidth: 64 });
      assert.equal(g.text, bestText, `seed ${seed}`);
      assert.ok(Math.abs(Math.exp(g.logProb) * (g.ids.length - 1) - best) < 1e-9);
      // and the gate: nothing below it
      const gated = beamProposal(model, state, { maxLength: 3, beamWidth: 64, minConfidence: 0.99 });
      assert.equal(gated.ids.length, 0);
    }
  });
});

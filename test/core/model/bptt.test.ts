import assert from 'node:assert/strict';
import { allocChunk, backwardChunk, BpttBuffers, Chunk, forwardChunk } from '../../../src/core/model/bptt';
import { referenceKernels } from '../../../src/core/kernels/kernels';
import { RnnModel } from '../../../src/core/model/model';
import { Rng } from '../../../src/core/model/rng';
import { Vocab } from '../../../src/core/model/vocab';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';

function randomChunk(rng: Rng, T: number, B: number, V: number): Chunk {
  const chunk = allocChunk(T, B);
  for (let n = 0; n < T * B; n++) {
    chunk.inputs[n] = rng.nextInt(V);
    chunk.targets[n] = rng.nextInt(V);
    chunk.reset[n] = rng.next() < 0.15 ? 1 : 0;
    chunk.weight[n] = rng.next() < 0.1 ? 0 : 1;
  }
  return chunk;
}

function tinyVocab(V: number): Vocab {
  return new Vocab(['', ...'abcdefghijklmnopqrstuvwxyz'.slice(0, V - 1)]);
}

describe('bptt: forward and backward over a chunk', () => {
  for (const layers of [1, 2]) {
    it(`matches central differences for every parameter (L = ${layers}, B = 3, carried state, resets, float64)`, () => {
      const V = 7, H = 16, T = 5, B = 3;
      const model = RnnModel.create({ vocabSize: V, hiddenSize: H, layers }, tinyVocab(V), 1, defaultKernels()).toFloat64();
      // larger weights than the default init, so that tanh is not in its linear regime
      for (let i = 0; i < model.params.length; i++) model.params[i] *= 3;
      const buf = new BpttBuffers(model, T, B);
      const rng = new Rng(7);
      forwardChunk(model, buf, randomChunk(rng, T, B, V)); // a first chunk, so that the carried state is not zero
      const carried = buf.carry.map((c) => Float64Array.from(c));
      const restore = () => buf.carry.forEach((c, l) => c.set(carried[l]));
      const chunk = randomChunk(rng, T, B, V);
      restore();
      forwardChunk(model, buf, chunk);
      const grad = new Float64Array(model.params.length);
      backwardChunk(model, buf, chunk, grad);
      const eps = 1e-5;
      let worst = 0;
      for (let i = 0; i < model.params.length; i++) {
        const p = model.params[i];
        model.params[i] = p + eps;
        restore();
        const lp = forwardChunk(model, buf, chunk);
        model.params[i] = p - eps;
        restore();
        const lm = forwardChunk(model, buf, chunk);
        model.params[i] = p;
        const numeric = (lp - lm) / (2 * eps);
        const err = Math.abs(numeric - grad[i]) / Math.max(1e-6, Math.abs(numeric) + Math.abs(grad[i]));
        if (Math.abs(numeric - grad[i]) > 1e-8) worst = Math.max(worst, err);
      }
      assert.ok(worst < 1e-5, `worst relative error ${worst}`);
    });
  }

  it('gives the same loss and gradient with the reference and the fast kernels', () => {
    const V = 11, H = 17, T = 6, B = 5;
    const vocab = tinyVocab(V);
    const fast = RnnModel.create({ vocabSize: V, hiddenSize: H, layers: 2 }, vocab, 3, defaultKernels());
    const ref = new RnnModel(fast.config, vocab, Float32Array.from(fast.params), referenceKernels);
    const chunk = randomChunk(new Rng(5), T, B, V);
    const grads = [fast, ref].map((m) => {
      const buf = new BpttBuffers(m, T, B);
      const loss = forwardChunk(m, buf, chunk);
      const g = new Float32Array(m.params.length);
      backwardChunk(m, buf, chunk, g);
      return { loss, g };
    });
    assert.ok(Math.abs(grads[0].loss - grads[1].loss) < 1e-6);
    for (let i = 0; i < grads[0].g.length; i++) assert.ok(Math.abs(grads[0].g[i] - grads[1].g[i]) < 1e-6, `param ${i}`);
  });

  it('refuses backward without a forward pass', () => {
    const model = RnnModel.create({ vocabSize: 5, hiddenSize: 16, layers: 1 }, tinyVocab(5), 1, defaultKernels());
    const buf = new BpttBuffers(model, 2, 2);
    assert.throws(() => backwardChunk(model, buf, allocChunk(2, 2), new Float32Array(model.params.length)), /must run forwardChunk/);
  });
});

/** PyTorch's nn.RNN + nn.Linear safetensors: loaded, computed the same way, and written with PyTorch's tensor names. */
import assert from 'node:assert/strict';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/core/checkpoint/checkpoint';
import { InferenceStepper, zeroState } from '../../../src/core/model/model';
import { decodeSafetensors } from '../../../src/core/checkpoint/safetensors/decode';
import { encodeSafetensors } from '../../../src/core/checkpoint/safetensors/encode';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';
import { assertSameFloats, makeTrainer, SETTINGS, SYMBOLS } from '../../helpers/checkpoint-training';
import { pytorchTensors } from '../../helpers/pytorch';

function pytorchNames(L: number): string[] {
  const names: string[] = [];
  for (let l = 0; l < L; l++) names.push(`rnn.weight_ih_l${l}`, `rnn.weight_hh_l${l}`, `rnn.bias_ih_l${l}`, `rnn.bias_hh_l${l}`);
  names.push('out.weight', 'out.bias');
  return names.sort();
}

describe('checkpoint', () => {
  describe('PyTorch compatibility', () => {
    const V = SYMBOLS.length;
    const H = 16;

    it('loads a hand-made nn.RNN + nn.Linear file with only vocab metadata, adding the two biases', () => {
      const tensors = pytorchTensors(V, H);
      const bytes = encodeSafetensors(tensors, { vocab: JSON.stringify(SYMBOLS) });
      const { metadata } = decodeSafetensors(bytes);
      assert.deepEqual(Object.keys(metadata).sort(), ['crc32', 'header_crc32', 'vocab'], 'no format or config keys');

      const loaded = decodeCheckpoint(bytes, 'torch.safetensors', defaultKernels());
      const m = loaded.model;
      assert.deepEqual(m.config, { vocabSize: V, hiddenSize: H, layers: 2 });
      assert.equal(loaded.training, undefined);
      assert.deepEqual([...m.vocab.symbols], SYMBOLS);
      for (let l = 0; l < 2; l++) {
        assertSameFloats(m.w.Wxh[l], tensors[`rnn.weight_ih_l${l}`].data as Float32Array, `Wxh[${l}]`);
        assertSameFloats(m.w.Whh[l], tensors[`rnn.weight_hh_l${l}`].data as Float32Array, `Whh[${l}]`);
        const bi = tensors[`rnn.bias_ih_l${l}`].data as Float32Array;
        const bh = tensors[`rnn.bias_hh_l${l}`].data as Float32Array;
        const sum = new Float32Array(H);
        for (let i = 0; i < H; i++) sum[i] = bi[i] + bh[i];
        assert.ok(bh.some((x) => x !== 0) && sum.some((x, i) => x !== bi[i]), 'bias_hh is non-zero');
        assertSameFloats(m.w.bh[l], sum, `bh[${l}] = bias_ih + bias_hh`);
      }
      assertSameFloats(m.w.Why, tensors['out.weight'].data as Float32Array, 'Why');
      assertSameFloats(m.w.by, tensors['out.bias'].data as Float32Array, 'by');
    });

    it('computes what PyTorch computes: h = tanh(W_ih x + b_ih + W_hh h + b_hh) per layer, y = W h + b', () => {
      const tensors = pytorchTensors(V, H);
      const model = decodeCheckpoint(encodeSafetensors(tensors, { vocab: JSON.stringify(SYMBOLS) }), 'checkpoint', defaultKernels()).model;
      const get = (name: string) => tensors[name].data as Float32Array;
      // reference forward pass in float64 over a few characters, in PyTorch's row-major layouts
      const ids = [3, 10, 1, 5];
      let h: number[][] = [new Array(H).fill(0), new Array(H).fill(0)];
      let logits: number[] = [];
      for (const x of ids) {
        const next: number[][] = [];
        for (let l = 0; l < 2; l++) {
          const Wih = get(`rnn.weight_ih_l${l}`), Whh = get(`rnn.weight_hh_l${l}`), bih = get(`rnn.bias_ih_l${l}`), bhh = get(`rnn.bias_hh_l${l}`);
          const row: number[] = [];
          for (let i = 0; i < H; i++) {
            let u = bih[i] + bhh[i];
            if (l === 0) u += Wih[i * V + x];
            else for (let j = 0; j < H; j++) u += Wih[i * H + j] * next[0][j];
            for (let j = 0; j < H; j++) u += Whh[i * H + j] * h[l][j];
            row.push(Math.tanh(u));
          }
          next.push(row);
        }
        h = next;
        const W = get('out.weight'), b = get('out.bias');
        logits = [];
        for (let v = 0; v < V; v++) {
          let y = b[v];
          for (let j = 0; j < H; j++) y += W[v * H + j] * h[1][j];
          logits.push(y);
        }
      }
      const stepper = new InferenceStepper(model, 1);
      const state = zeroState(model.config, 1);
      for (const x of ids) stepper.step(state, [x], true);
      for (let v = 0; v < V; v++) assert.ok(Math.abs(stepper.logits[v] - logits[v]) < 1e-4, `logit ${v}: ${stepper.logits[v]} vs ${logits[v]}`);
    });

    it('writes exactly PyTorch\'s tensor names, plus optim. and train. tensors for a training run', () => {
      const trainer = makeTrainer(1);
      const withTraining = decodeSafetensors(encodeCheckpoint(trainer.model, trainer.snapshot()));
      assert.deepEqual(
        Object.keys(withTraining.tensors).sort(),
        [...pytorchNames(2), 'optim.m', 'optim.v', 'train.carry', 'train.streams', 'me.weight', 'optim.me.adagrad'].sort(),
      );
      const t = withTraining.tensors;
      assert.deepEqual(t['rnn.weight_ih_l0'].shape, [H, V]);
      assert.deepEqual(t['rnn.weight_ih_l1'].shape, [H, H]);
      assert.deepEqual(t['rnn.weight_hh_l1'].shape, [H, H]);
      assert.deepEqual(t['rnn.bias_hh_l1'].shape, [H]);
      assert.deepEqual(t['out.weight'].shape, [V, H]);
      assert.deepEqual(t['out.bias'].shape, [V]);
      assert.deepEqual(t['train.carry'].shape, [2, SETTINGS.batchSize, H]);
      assert.deepEqual(t['train.streams'].shape, [2, SETTINGS.batchSize]);
      assert.equal(t['train.streams'].dtype, 'I32');
      for (const name of pytorchNames(2)) assert.equal(t[name].dtype, 'F32', name);

      const modelOnly = decodeSafetensors(encodeCheckpoint(trainer.model));
      assert.deepEqual(Object.keys(modelOnly.tensors).sort(), [...pytorchNames(2), 'me.weight'].sort());
      assert.ok((modelOnly.tensors['rnn.bias_hh_l0'].data as Float32Array).every((x) => x === 0), 'the second bias is written as zeros');
    });
  });
});

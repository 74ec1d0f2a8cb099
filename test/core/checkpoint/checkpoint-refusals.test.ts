/** Bad checkpoint files are refused with a CheckpointFormatError that says what is wrong. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointFormatError, decodeCheckpoint, encodeCheckpoint, loadCheckpoint } from '../../../src/core/checkpoint/checkpoint';
import { encodeSafetensors } from '../../../src/core/checkpoint/safetensors/encode';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';
import { assertRefused, reencode } from '../../helpers/checkpoint';
import { makeTrainer, SYMBOLS } from '../../helpers/checkpoint-training';
import { pseudo, pytorchTensors } from '../../helpers/pytorch';

async function assertRefusedAsync(promise: Promise<unknown>, ...patterns: RegExp[]): Promise<CheckpointFormatError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, 'expected the checkpoint to be refused, but it loaded');
  assert.ok(caught instanceof CheckpointFormatError, `expected a CheckpointFormatError, got ${String(caught)}`);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

describe('checkpoint', () => {
  describe('refuses bad files with a CheckpointFormatError that says what is wrong', () => {
    let good: Uint8Array;
    before(() => {
      const trainer = makeTrainer(2);
      good = encodeCheckpoint(trainer.model, trainer.snapshot());
    });

    it('truncated', () => {
      assertRefused(() => decodeCheckpoint(good.subarray(0, good.length - 7), 'cut.safetensors', defaultKernels()), /^cut\.safetensors: /, /truncated/);
      assertRefused(() => decodeCheckpoint(good.subarray(0, 100), 'checkpoint', defaultKernels()), /truncated/);
      assertRefused(() => decodeCheckpoint(good.subarray(0, 5), 'checkpoint', defaultKernels()), /truncated/);
      assertRefused(() => decodeCheckpoint(new Uint8Array(0), 'checkpoint', defaultKernels()), /truncated/);
    });

    it('a bit flip in the data region (checksum)', () => {
      for (const at of [good.length - 1, good.length - 200]) {
        const bad = Uint8Array.from(good);
        bad[at] ^= 0x04;
        assertRefused(() => decodeCheckpoint(bad, 'checkpoint', defaultKernels()), /checksum mismatch/, /corrupt/);
      }
    });

    it('a foreign safetensors file: tensors but no vocab metadata', () => {
      const foreign = encodeSafetensors({ 'encoder.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) } }, { framework: 'pt' });
      assertRefused(() => decodeCheckpoint(foreign, 'checkpoint', defaultKernels()), /not a Char-RNN checkpoint/, /vocab/);
      // a PyTorch RNN saved without the vocabulary gets a hint
      const torchNoVocab = encodeSafetensors(pytorchTensors(SYMBOLS.length, 16), {});
      assertRefused(() => decodeCheckpoint(torchNoVocab, 'checkpoint', defaultKernels()), /no 'vocab'/, /PyTorch RNN saved without the vocabulary/);
      // another format's name
      const otherFormat = reencode(good, (_t, m) => { m.format = 'something-else'; });
      assertRefused(() => decodeCheckpoint(otherFormat, 'checkpoint', defaultKernels()), /not a Char-RNN checkpoint/, /something-else/);
    });

    it('a future format_version', () => {
      const future = reencode(good, (_t, m) => { m.format_version = '99'; });
      assertRefused(() => decodeCheckpoint(future, 'checkpoint', defaultKernels()), /newer version/, /99/);
      const nonsense = reencode(good, (_t, m) => { m.format_version = 'abc'; });
      assertRefused(() => decodeCheckpoint(nonsense, 'checkpoint', defaultKernels()), /format_version 'abc' is not a version number/);
    });

    it('metadata config disagreeing with the tensor shapes', () => {
      const layers = reencode(good, (_t, m) => { m.config = JSON.stringify({ vocabSize: SYMBOLS.length, hiddenSize: 16, layers: 3 }); });
      assertRefused(() => decodeCheckpoint(layers, 'checkpoint', defaultKernels()), /metadata says layers = 3 but the tensors give 2/);
      const hidden = reencode(good, (_t, m) => { m.config = JSON.stringify({ vocabSize: SYMBOLS.length, hiddenSize: 32, layers: 2 }); });
      assertRefused(() => decodeCheckpoint(hidden, 'checkpoint', defaultKernels()), /hiddenSize = 32 but the tensors give 16/);
      const badJson = reencode(good, (_t, m) => { m.config = '{nope'; });
      assertRefused(() => decodeCheckpoint(badJson, 'checkpoint', defaultKernels()), /metadata 'config' is not valid JSON/);
    });

    it('a wrong tensor shape', () => {
      // out.weight saved transposed, (H, V) instead of (V, H)
      const transposed = reencode(good, (t) => { t['out.weight'] = { ...t['out.weight'], shape: [16, SYMBOLS.length] }; });
      assertRefused(() => decodeCheckpoint(transposed, 'checkpoint', defaultKernels()), /tensor 'out\.weight' has shape \[16, 11\], expected \[11, 16\]/);
      // a vocabulary that does not match the tensors
      const shortVocab = reencode(good, (_t, m) => {
        m.vocab = JSON.stringify(SYMBOLS.slice(0, -1));
        delete m.config;
      });
      assertRefused(() => decodeCheckpoint(shortVocab, 'checkpoint', defaultKernels()), /tensor 'rnn\.weight_ih_l0' has shape \[16, 11\], expected \[16, 10\]/);
      // a weight stored as integers
      const ints = reencode(good, (t) => { t['out.bias'] = { dtype: 'I32', shape: [SYMBOLS.length], data: new Int32Array(SYMBOLS.length) }; });
      assertRefused(() => decodeCheckpoint(ints, 'checkpoint', defaultKernels()), /tensor 'out\.bias' has dtype I32/);
      // a carried state of the wrong size
      const carry = reencode(good, (t) => { t['train.carry'] = { dtype: 'F32', shape: [5], data: new Float32Array(5) }; });
      assertRefused(() => decodeCheckpoint(carry, 'checkpoint', defaultKernels()), /train\.carry/);
    });

    it('a missing tensor', () => {
      for (const name of ['out.bias', 'out.weight', 'rnn.weight_ih_l1', 'rnn.bias_ih_l0']) {
        const missing = reencode(good, (t) => { delete t[name]; });
        assertRefused(() => decodeCheckpoint(missing, 'checkpoint', defaultKernels()), new RegExp(`tensor '${name.replace(/\./g, '\\.')}' is missing`));
      }
      const noRnn = reencode(good, (t) => { for (const n of Object.keys(t)) if (n.startsWith('rnn.')) delete t[n]; });
      assertRefused(() => decodeCheckpoint(noRnn, 'checkpoint', defaultKernels()), /tensor 'rnn\.weight_hh_l0' is missing/);
    });

    // the layer count comes from every rnn.* name, so a missing layer-1 tensor is refused, not ignored
    it('a 2-layer PyTorch file missing rnn.weight_hh_l1 (no config metadata)', () => {
      const tensors = pytorchTensors(SYMBOLS.length, 16);
      delete tensors['rnn.weight_hh_l1'];
      const bytes = encodeSafetensors(tensors, { vocab: JSON.stringify(SYMBOLS) });
      assertRefused(() => decodeCheckpoint(bytes, 'checkpoint', defaultKernels()), /rnn\.weight_hh_l1/);
    });

    it('a bidirectional RNN (tensors the model does not use)', () => {
      const tensors = pytorchTensors(SYMBOLS.length, 16);
      tensors['rnn.weight_ih_l0_reverse'] = tensors['rnn.weight_ih_l0'];
      const bytes = encodeSafetensors(tensors, { vocab: JSON.stringify(SYMBOLS) });
      assertRefused(() => decodeCheckpoint(bytes, 'checkpoint', defaultKernels()), /rnn\.weight_ih_l0_reverse.*unidirectional/);
    });

    it('vocab that is not a JSON array of one-code-point strings', () => {
      const object = reencode(good, (_t, m) => { m.vocab = JSON.stringify({ a: 1 }); });
      assertRefused(() => decodeCheckpoint(object, 'checkpoint', defaultKernels()), /'vocab' must be a JSON array of strings/);
      const notJson = reencode(good, (_t, m) => { m.vocab = 'abc'; });
      assertRefused(() => decodeCheckpoint(notJson, 'checkpoint', defaultKernels()), /metadata 'vocab' is not valid JSON/);
      const numbers = reencode(good, (_t, m) => { m.vocab = JSON.stringify(SYMBOLS.map((_, i) => i)); });
      assertRefused(() => decodeCheckpoint(numbers, 'checkpoint', defaultKernels()), /'vocab' must be a JSON array of strings/);
      const twoChars = reencode(good, (_t, m) => { m.vocab = JSON.stringify(['', 'ab', ...SYMBOLS.slice(2)]); });
      assertRefused(() => decodeCheckpoint(twoChars, 'checkpoint', defaultKernels()), /'vocab' is invalid/, /one code point/);
    });

    it('a PNG or a text file', () => {
      const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
      assertRefused(() => decodeCheckpoint(png, 'image.png', defaultKernels()), /^image\.png: /, /not a safetensors file/);
      const text = new TextEncoder().encode('function hello() {\n  return "world";\n}\n');
      assertRefused(() => decodeCheckpoint(text, 'hello.js', defaultKernels()), /^hello\.js: /, /not a safetensors file/);
    });

    it('files on disk: missing, a directory, a garbage file', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-ckpt-'));
      try {
        const missing = path.join(dir, 'nope.safetensors');
        const err = await assertRefusedAsync(loadCheckpoint(missing, defaultKernels()), /no such file/);
        assert.ok(err.message.startsWith(missing), 'the message names the path');
        await assertRefusedAsync(loadCheckpoint(dir, defaultKernels()), /directory/);
        const garbage = path.join(dir, 'garbage.safetensors');
        fs.writeFileSync(garbage, pseudo(64, 99));
        await assertRefusedAsync(loadCheckpoint(garbage, defaultKernels()), /garbage\.safetensors/);
        const flipped = Uint8Array.from(good);
        flipped[flipped.length - 3] ^= 0x80;
        const flippedPath = path.join(dir, 'flipped.safetensors');
        fs.writeFileSync(flippedPath, flipped);
        await assertRefusedAsync(loadCheckpoint(flippedPath, defaultKernels()), /checksum mismatch/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

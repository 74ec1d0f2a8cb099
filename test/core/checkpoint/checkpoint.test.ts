import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CheckpointFormatError,
  decodeCheckpoint,
  encodeCheckpoint,
  FORMAT_VERSION,
  loadCheckpoint,
  saveCheckpoint,
} from '../../../src/core/checkpoint/checkpoint';
import { encodeFiles } from '../../../src/core/model/encoded-text';
import { InferenceStepper, RnnModel, zeroState } from '../../../src/core/model/model';
import { decodeSafetensors } from '../../../src/core/checkpoint/safetensors/decode';
import { encodeSafetensors, type TensorIn } from '../../../src/core/checkpoint/safetensors/encode';
import { Trainer } from '../../../src/core/train/trainer';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../../src/core/checkpoint/training-state';
import { Vocab } from '../../../src/core/model/vocab';
import { assertRefused } from '../../helpers/checkpoint';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';

// ---------------------------------------------------------------------------------------------
// Helpers

/** A small vocabulary with an astral symbol (one code point, two UTF-16 units). */
const SYMBOLS = ['', '\n', ' ', 'a', 'b', 'c', 'd', 'e', '(', ')', '😀'];
const vocab = () => new Vocab(SYMBOLS);

const TRAIN_FILES = [
  { relPath: 'one.txt', text: 'abc de😀\n(ab) cd\nea 😀 bc\n'.repeat(4) },
  { relPath: 'two.txt', text: 'dd ee (a😀b)\nc\n'.repeat(5) },
];
const VAL_FILES = [{ relPath: 'val.txt', text: 'ab cd 😀 e\n(a)\n'.repeat(3) }];

const SETTINGS: TrainSettings = {
  ...DEFAULT_TRAIN_SETTINGS,
  hiddenSize: 16,
  layers: 2,
  seqLength: 8,
  batchSize: 3,
  historyEverySteps: 1,
  directMB: 1,
  valEverySteps: 2,
  valMaxChars: 200,
  seed: 7,
};

function makeTrainer(steps: number, settings: TrainSettings = SETTINGS): Trainer {
  const v = vocab();
  const trainer = Trainer.create(v, encodeFiles(v, TRAIN_FILES), encodeFiles(v, VAL_FILES), settings, defaultKernels());
  for (let i = 0; i < steps; i++) {
    trainer.trainStep();
    if (trainer.step % settings.valEverySteps === 0) trainer.validate();
  }
  return trainer;
}

/** The bytes behind a typed array (what "bit-exact" compares). */
function rawBytes(a: Float32Array | Int32Array | Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function assertSameFloats(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.ok(actual instanceof Float32Array, `${what} is a Float32Array`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(rawBytes(actual).equals(rawBytes(expected)), `${what}: bytes differ`);
}

/** Decodes checkpoint bytes as plain safetensors, lets `mutate` edit them, and encodes them again. */
function reencode(
  bytes: Uint8Array,
  mutate: (tensors: Record<string, TensorIn>, metadata: Record<string, string>) => void,
): Uint8Array {
  const decoded = decodeSafetensors(bytes);
  const tensors: Record<string, TensorIn> = {};
  for (const [name, t] of Object.entries(decoded.tensors)) tensors[name] = { dtype: t.dtype as TensorIn['dtype'], shape: t.shape, data: t.data };
  const metadata = { ...decoded.metadata };
  delete metadata.crc32; // recomputed by the encoder (as header_crc32 always is)
  mutate(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}


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

/** Deterministic non-trivial floats in [-0.5, 0.5), different for each `salt`. */
function pseudo(n: number, salt: number): Float32Array {
  const out = new Float32Array(n);
  let x = (salt * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x / 4294967296 - 0.5;
  }
  return out;
}

function pytorchNames(L: number): string[] {
  const names: string[] = [];
  for (let l = 0; l < L; l++) names.push(`rnn.weight_ih_l${l}`, `rnn.weight_hh_l${l}`, `rnn.bias_ih_l${l}`, `rnn.bias_hh_l${l}`);
  names.push('out.weight', 'out.bias');
  return names.sort();
}

/**
 * The tensors of a 2-layer `nn.RNN(V, H, 2)` + `nn.Linear(H, V)` saved from PyTorch, in PyTorch's own
 * names and shapes, with both biases non-zero.
 */
function pytorchTensors(V: number, H: number): Record<string, TensorIn> {
  const f32 = (shape: number[], salt: number): TensorIn => ({ dtype: 'F32', shape, data: pseudo(shape.reduce((a, b) => a * b, 1), salt) });
  return {
    'rnn.weight_ih_l0': f32([H, V], 1),
    'rnn.weight_hh_l0': f32([H, H], 2),
    'rnn.bias_ih_l0': f32([H], 3),
    'rnn.bias_hh_l0': f32([H], 4),
    'rnn.weight_ih_l1': f32([H, H], 5),
    'rnn.weight_hh_l1': f32([H, H], 6),
    'rnn.bias_ih_l1': f32([H], 7),
    'rnn.bias_hh_l1': f32([H], 8),
    'out.weight': f32([V, H], 9),
    'out.bias': f32([V], 10),
  };
}

// ---------------------------------------------------------------------------------------------

describe('checkpoint', () => {
  describe('round trip', () => {
    it('a model with its training state comes back bit-exactly, and re-encodes to the same bytes', () => {
      const trainer = makeTrainer(5);
      const model = trainer.model;
      const state = trainer.snapshot();
      // the state is non-trivial, so that equality below means something
      assert.equal(state.step, 5);
      assert.ok(state.history.length >= 5);
      assert.ok(state.history.some((p) => p.valBitsPerChar !== undefined), 'history holds a validation point');
      assert.ok(state.resume!.carry.some((x) => x !== 0), 'the carried state is not all zero');
      assert.ok(state.optimizer.state.m.some((x) => x !== 0));

      const bytes = encodeCheckpoint(model, state);
      const loaded = decodeCheckpoint(bytes, 'checkpoint', defaultKernels());

      assert.deepEqual(loaded.model.config, { vocabSize: SYMBOLS.length, hiddenSize: 16, layers: 2 });
      assertSameFloats(loaded.model.params, model.params, 'params');
      assert.deepEqual([...loaded.model.vocab.symbols], SYMBOLS);
      assert.equal(loaded.model.vocab.idOfCodePoint('😀'.codePointAt(0)!), SYMBOLS.indexOf('😀'));
      assert.deepEqual(Array.from(loaded.model.vocab.encode('a😀b')), [3, 10, 4]);

      const t = loaded.training!;
      assert.ok(t, 'training state present');
      assert.deepEqual(t.settings, state.settings);
      assert.equal(t.step, state.step);
      assert.equal(t.charsSeen, state.charsSeen);
      assert.equal(t.optimizer.name, 'adam');
      assert.equal(t.optimizer.step, state.optimizer.step);
      assert.deepEqual(Object.keys(t.optimizer.state).sort(), Object.keys(state.optimizer.state).sort());
      for (const [name, data] of Object.entries(state.optimizer.state)) assertSameFloats(t.optimizer.state[name], data, `optimizer ${name}`);
      assert.deepEqual(t.history, state.history);

      const r = t.resume!;
      assert.ok(r, 'resume state present');
      assert.deepEqual(r.rng, state.resume!.rng);
      assert.deepEqual(r.streams, state.resume!.streams);
      assertSameFloats(r.carry, state.resume!.carry, 'carry');
      assert.equal(r.smoothLoss, state.resume!.smoothLoss);
      assert.equal(r.dataFingerprint, state.resume!.dataFingerprint);

      const again = encodeCheckpoint(loaded.model, loaded.training);
      assert.ok(Buffer.from(again).equals(Buffer.from(bytes)), 'encode(decode(x)) differs from x');
    });

    it('a resumed run continues exactly as an uninterrupted one', () => {
      const uninterrupted = makeTrainer(6);
      const first = makeTrainer(3);
      const loaded = decodeCheckpoint(encodeCheckpoint(first.model, first.snapshot()), 'checkpoint', defaultKernels());
      const v = loaded.model.vocab;
      const resumed = Trainer.resume(loaded.model, loaded.training!, encodeFiles(v, TRAIN_FILES), encodeFiles(v, VAL_FILES));
      assert.equal(resumed.resumedExactly, true);
      for (let i = 0; i < 3; i++) {
        resumed.trainStep();
        if (resumed.step % SETTINGS.valEverySteps === 0) resumed.validate();
      }
      assert.equal(resumed.step, 6);
      assertSameFloats(resumed.model.params, uninterrupted.model.params, 'params after 6 steps');
      assert.deepEqual(resumed.snapshot().history, uninterrupted.snapshot().history);
    });

    it('the schedule and latest_step round-trip; a checkpoint written before them loads and resumes', () => {
      const first = makeTrainer(4);
      const state = first.snapshot();
      assert.ok(state.schedule!.best, 'the validations left a best');
      const loaded = decodeCheckpoint(encodeCheckpoint(first.model, { ...state, latestStep: 9 }), 'checkpoint', defaultKernels());
      assert.deepEqual(loaded.training!.schedule, state.schedule);
      assert.equal(loaded.training!.latestStep, 9);
      // an old checkpoint: the same file without the metadata this version added
      const old = reencode(encodeCheckpoint(first.model, state), (_t, m) => {
        delete m.schedule;
        delete m.latest_step;
      });
      const decoded = decodeCheckpoint(old, 'checkpoint', defaultKernels());
      assert.equal(decoded.training!.schedule, undefined);
      assert.equal(decoded.training!.latestStep, undefined);
      const v = decoded.model.vocab;
      const resumed = Trainer.resume(decoded.model, decoded.training!, encodeFiles(v, TRAIN_FILES), encodeFiles(v, VAL_FILES));
      assert.equal(resumed.resumedExactly, true);
      assert.deepEqual(resumed.schedule, { sinceImprovement: 0, reductions: 0, lrScale: 1 }, 'the record of the best starts afresh');
      const uninterrupted = makeTrainer(8);
      for (let i = 0; i < 4; i++) {
        resumed.trainStep();
        if (resumed.step % SETTINGS.valEverySteps === 0) resumed.validate();
      }
      assertSameFloats(resumed.model.params, uninterrupted.model.params, 'params after 8 steps');
      assert.ok(resumed.schedule.best!.step >= 6, 'the resumed run records a best of its own');
    });

    it('refuses a schedule of the wrong shape, naming the field', () => {
      const good = encodeCheckpoint(makeTrainer(2).model, makeTrainer(2).snapshot());
      const cases: [unknown, RegExp][] = [
        [null, /metadata 'schedule' must be a JSON object/],
        [{ sinceImprovement: -1, reductions: 0, lrScale: 1 }, /'sinceImprovement' must be a whole number/],
        [{ sinceImprovement: 0, reductions: '2', lrScale: 1 }, /'reductions' must be a whole number/],
        [{ sinceImprovement: 0, reductions: 0, lrScale: 2 }, /'lrScale' must be a number in \(0, 1\]/],
        [{ sinceImprovement: 0, reductions: 0, lrScale: 1, best: { valBitsPerChar: 1, step: 99, charsSeen: 0 } }, /'best\.step' must be a whole number up to 'step' \(2\)/],
        [{ sinceImprovement: 0, reductions: 0, lrScale: 1, best: { valBitsPerChar: 'x', step: 1, charsSeen: 0 } }, /'best\.valBitsPerChar'/],
      ];
      for (const [schedule, pattern] of cases) {
        assertRefused(() => decodeCheckpoint(reencode(good, (_t, m) => { m.schedule = JSON.stringify(schedule); }), 'checkpoint', defaultKernels()), pattern);
      }
      assertRefused(() => decodeCheckpoint(reencode(good, (_t, m) => { m.latest_step = '1'; }), 'checkpoint', defaultKernels()), /'latest_step' must be a whole number from 'step' \(2\) up/);
    });

    it('a model without training state round-trips and has no training state', () => {
      const model = RnnModel.create({ vocabSize: SYMBOLS.length, hiddenSize: 16, layers: 1 }, vocab(), 3, defaultKernels());
      const bytes = encodeCheckpoint(model);
      const loaded = decodeCheckpoint(bytes, 'checkpoint', defaultKernels());
      assert.equal(loaded.training, undefined);
      assertSameFloats(loaded.model.params, model.params, 'params');
      assert.deepEqual([...loaded.model.vocab.symbols], SYMBOLS);
      assert.equal(loaded.metadata.format, 'char-rnn-complete');
      assert.equal(loaded.metadata.format_version, String(FORMAT_VERSION));
      assert.ok(Buffer.from(encodeCheckpoint(loaded.model)).equals(Buffer.from(bytes)));
    });

    it('saveCheckpoint and loadCheckpoint go through a file', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-ckpt-'));
      try {
        const trainer = makeTrainer(2);
        const state = trainer.snapshot();
        const file = path.join(dir, 'model.safetensors');
        await saveCheckpoint(file, trainer.model, state);
        assert.deepEqual(fs.readdirSync(dir), ['model.safetensors'], 'no temporary file is left behind');
        assert.ok(fs.readFileSync(file).equals(Buffer.from(encodeCheckpoint(trainer.model, state))), 'the file holds the encoded bytes');
        const loaded = await loadCheckpoint(file, defaultKernels());
        assertSameFloats(loaded.model.params, trainer.model.params, 'params');
        assert.equal(loaded.training!.step, 2);
        assertSameFloats(loaded.training!.resume!.carry, state.resume!.carry, 'carry');

        // overwriting an existing checkpoint
        trainer.trainStep();
        await saveCheckpoint(file, trainer.model, trainer.snapshot());
        const reloaded = await loadCheckpoint(file, defaultKernels());
        assert.equal(reloaded.training!.step, 3);
        assertSameFloats(reloaded.model.params, trainer.model.params, 'params after overwrite');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

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

/** Checkpoints that come back as they went in: bit-exact bytes, with or without training state, through a file. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  FORMAT_VERSION,
  loadCheckpoint,
  saveCheckpoint,
} from '../../../src/core/checkpoint/checkpoint';
import { RnnModel } from '../../../src/core/model/model';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';
import { assertSameFloats, makeTrainer, SYMBOLS, vocab } from '../../helpers/checkpoint-training';

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
});

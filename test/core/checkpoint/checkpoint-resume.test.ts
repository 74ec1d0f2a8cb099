/** A checkpoint resumes a training run: the run continues exactly, and the plateau schedule and latest_step come back. */
import assert from 'node:assert/strict';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/core/checkpoint/checkpoint';
import { encodeFiles } from '../../../src/core/model/encoded-text';
import { Trainer } from '../../../src/core/train/trainer';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';
import { assertRefused, reencode } from '../../helpers/checkpoint';
import { assertSameFloats, makeTrainer, SETTINGS, TRAIN_FILES, VAL_FILES } from '../../helpers/checkpoint-training';

describe('checkpoint', () => {
  describe('round trip', () => {
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
  });
});

/**
 * What validation decides during training: the best model is the one kept (at `--out`, with the
 * latest state beside it), a plateau halves the learning rates and then ends the run as converged, a
 * divergence stops the run without writing its state, and all of it resumes exactly.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, latestPathOf, loadCheckpoint } from '../../../src/core/checkpoint/checkpoint';
import { validationSample } from '../../../src/core/train/streams';
import { encodeFiles } from '../../../src/core/model/encoded-text';
import { bitsPerChar } from '../../../src/core/model/bits-per-char';
import { runTrainingJob } from '../../../src/core/train/job';
import { Optimizer } from '../../../src/core/model/optimizer';
import { Trainer } from '../../../src/core/train/trainer';
import { MAX_REDUCTIONS } from '../../../src/core/train/schedule';
import { checkpointInterval, TrainEvent } from '../../../src/core/train/events';
import { DEFAULT_TRAIN_SETTINGS, TrainSettings } from '../../../src/core/checkpoint/training-state';
import { Vocab } from '../../../src/core/model/vocab';
import { bytesOf } from '../../helpers/model';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';

/** Training text the model memorises, and held-out text it then predicts worse and worse. */
const TRAIN = ['function add(a, b) {\n  return a + b;\n}\n'.repeat(20), 'const total = add(1, 2);\nconsole.log(total);\n'.repeat(20)];
const VAL = ['function sub(x, y) {\n  return x - y;\n}\nconst diff = sub(5, 3);\nconsole.log(diff);\n'.repeat(3)];

const SMALL: TrainSettings = {
  ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, seqLength: 16, batchSize: 4, learningRate: 0.01, directMB: 1, valEverySteps: 10, patience: 0, threads: 1, historyEverySteps: 5,
};

function data(texts: string[], vocab: Vocab) {
  return encodeFiles(vocab, texts.map((text, i) => ({ relPath: `f${i}.js`, text })));
}

const vocab = Vocab.build([...TRAIN, ...VAL]);

/** Trains `steps` steps, validating every valEverySteps as run() does. */
function trainFor(t: Trainer, steps: number): void {
  for (let i = 0; i < steps && !t.earlyStop; i++) {
    t.trainStep();
    if (t.step % t.settings.valEverySteps === 0) t.validate();
  }
}

describe('validation during training', () => {
  describe('the best model', () => {
    it('is kept aside when validation gets worse, and is what the kept checkpoint holds', () => {
      const t = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), SMALL, defaultKernels());
      trainFor(t, 200);
      const best = t.schedule.best!;
      assert.ok(best.step < 200, `the best validation is at step ${best.step}`);
      assert.ok(t.lastValBitsPerChar! > best.valBitsPerChar + 0.02, `validation went from ${best.valBitsPerChar} to ${t.lastValBitsPerChar}`);
      assert.equal(t.liveIsBest, false);
      // the same run stopped at the best step has exactly the parameters kept aside
      const straight = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), SMALL, defaultKernels());
      trainFor(straight, best.step);
      const kept = t.keptCheckpoint()!;
      assert.ok(bytesOf(kept.model.params).equals(bytesOf(straight.model.params)), 'the kept parameters are those of the best step');
      assert.ok(bytesOf(kept.model.direct!.table).equals(bytesOf(straight.model.direct!.table)), 'the kept table is that of the best step');
      assert.ok(Math.abs(bitsPerChar(kept.model, t.valSample!).bitsPerChar - best.valBitsPerChar) < 1e-6);
      assert.equal(kept.training.step, best.step);
      assert.equal(kept.training.latestStep, 200);
      assert.deepEqual(kept.training.history, t.history, 'the run\'s whole record, the validations after the best included');
      assert.deepEqual(kept.training.optimizer.state, {}, 'no optimizer state: it is the latest state\'s');
      // the kept checkpoint decodes, and the model in use gets the best parameters back
      const decoded = decodeCheckpoint(encodeCheckpoint(kept.model, kept.training), 'checkpoint', defaultKernels());
      assert.equal(decoded.training!.latestStep, 200);
      assert.deepEqual(decoded.training!.schedule!.best, best);
      t.useKeptModel();
      assert.ok(bytesOf(t.model.params).equals(bytesOf(straight.model.params)));
    });

    it('is the live model while validation improves (no second file needed)', () => {
      const t = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), SMALL, defaultKernels());
      trainFor(t, 10);
      assert.equal(t.schedule.best!.step, 10);
      assert.equal(t.liveIsBest, true);
      assert.equal(t.keptCheckpoint(), undefined);
      const noVal = Trainer.create(vocab, data(TRAIN, vocab), undefined, SMALL, defaultKernels());
      trainFor(noVal, 20);
      assert.equal(noVal.schedule.best, undefined);
      assert.equal(noVal.liveIsBest, true, 'without validation files the latest model is kept');
    });
  });

  describe('the plateau schedule', () => {
    it(`halves both learning rates after \`patience\` validations without improvement, then stops as converged after ${MAX_REDUCTIONS} halvings`, async () => {
      const t = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), { ...SMALL, patience: 2 }, defaultKernels());
      const vals: (TrainEvent & { event: 'val' })[] = [];
      const done = await t.run({ steps: 1000, onEvent: (e) => { if (e.event === 'val') vals.push(e); } });
      assert.equal(done.reason, 'converged');
      assert.match(done.message!, /validation has not improved on \d\.\d{3} bits\/char \(step \d+\) in 2 validations after 3 halvings/);
      const best = t.schedule.best!;
      assert.equal(done.bestStep, best.step);
      // after the best: 2 validations at each rate, then the third plateau at 1/8 ends the run
      const after = vals.filter((v) => v.step > best.step);
      assert.deepEqual(after.map((v) => v.lrScale), [1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.125]);
      assert.equal(done.step, best.step + 8 * SMALL.valEverySteps);
      assert.equal(t.schedule.reductions, MAX_REDUCTIONS);
      // resumed, a converged run trains on at its lowered rate with a fresh patience
      const keptFile = t.keptCheckpoint()!;
      const again = Trainer.resume(decodeCheckpoint(encodeCheckpoint(t.model, t.snapshot()), 'checkpoint', defaultKernels()).model, t.snapshot(), data(TRAIN, vocab), data(VAL, vocab), {}, { params: keptFile.model.params, table: keptFile.model.direct!.table });
      assert.equal(again.schedule.best?.step, best.step, 'the record of the best carries over');
      assert.equal(again.schedule.lrScale, 0.125);
      const more = await again.run({ steps: done.step + 3 * SMALL.valEverySteps });
      assert.equal(more.reason, 'steps', 'not stopped again at its first validation');
      // with patience 0 nothing is lowered
      const flat = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), SMALL, defaultKernels());
      const end = await flat.run({ steps: 150 });
      assert.equal(end.reason, 'steps');
      assert.equal(flat.schedule.lrScale, 1);
    });

    it('the optimizer and the table take the scaled rate: half the rate moves Adagrad half as far', () => {
      const grad = Float32Array.from([0.5, -1, 2]);
      const move = (scale: number) => {
        const o = new Optimizer({ name: 'adagrad', learningRate: 0.1, clipMode: 'value', clip: 5 }, 3);
        const p = new Float32Array(3);
        o.update(p, Float32Array.from(grad), scale);
        return p;
      };
      const full = move(1), half = move(0.5);
      for (let i = 0; i < 3; i++) assert.equal(half[i], full[i] / 2);
      const o = new Optimizer({ name: 'adam', learningRate: 0.1, clipMode: 'norm', clip: 5 }, 3);
      const p = new Float32Array(3);
      assert.ok(Number.isNaN(o.update(p, Float32Array.from([1, Number.NaN, 0]))), 'a gradient that is not finite...');
      assert.deepEqual([...p, o.step], [0, 0, 0, 0], '...changes nothing');
    });
  });

  describe('divergence', () => {
    it('stops the run with one line when validation is far above the best, and the kept model stays the best', async () => {
      const t = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), SMALL, defaultKernels());
      trainFor(t, 20);
      const best = t.schedule.best!;
      // a learning rate far too high from here on
      const saved = decodeCheckpoint(encodeCheckpoint(t.model, t.snapshot()), 'checkpoint', defaultKernels());
      const wild = Trainer.resume(saved.model, saved.training!, data(TRAIN, vocab), data(VAL, vocab), { learningRate: 10, clip: 1e9, directLearningRate: 10 });
      const done = await wild.run({ steps: 400 });
      assert.equal(done.reason, 'diverged');
      assert.match(done.message!, /^training diverged at step \d+: (validation \d+\.\d{3} bits\/char is (more than 1 bit\/char above the best|worse than uniform guessing)|the training loss \d+\.\d{3} nats\/char is worse than uniform guessing|the (loss|gradient) is not finite)/);
      assert.ok(!done.message!.includes('\n'));
      assert.deepEqual(wild.schedule.best, best);
      assert.ok(bytesOf(wild.keptCheckpoint()!.model.params).equals(bytesOf(t.model.params)), 'the best parameters are kept');
    });
  });

  // issue 12, kind 1: a loss that explodes without becoming NaN, with nothing to validate on
  describe('divergence with no validation files', () => {
    it('a smoothed training loss worse than uniform guessing stops the run, whatever the validation', async () => {
      const t = Trainer.create(vocab, data(TRAIN, vocab), undefined, SMALL, defaultKernels());
      trainFor(t, 20);
      assert.equal(t.earlyStop, undefined, 'a sane learning rate does not diverge');
      assert.ok(t.smoothLoss < Math.log(vocab.size), 'and its loss is below uniform guessing');
      const saved = decodeCheckpoint(encodeCheckpoint(t.model, t.snapshot()), 'checkpoint', defaultKernels());
      const wild = Trainer.resume(saved.model, saved.training!, data(TRAIN, vocab), undefined, { learningRate: 10, clip: 1e9, directLearningRate: 10 });
      const done = await wild.run({ steps: 400 });
      assert.equal(done.reason, 'diverged');
      assert.ok(done.step < 400, `stopped at step ${done.step}`);
      assert.ok(Number.isFinite(done.loss), 'caught before the loss is NaN');
      assert.match(done.message!, /^training diverged at step \d+: the training loss \d+\.\d{3} nats\/char is worse than uniform guessing \(\d+\.\d{2} nats\/char\); lower the learning rate$/);
    });
  });

  describe('divergence or memorising', () => {
    it('validation far above the best is divergence only when the training loss got clearly worse too (by more than MEMORISING_LOSS_NATS)', () => {
      const judgeAt = (lossAtBest: number) => {
        const t = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), SMALL, defaultKernels());
        trainFor(t, 50);
        const real = t.lastValBitsPerChar!;
        // pretend the best was 2 bits lower, with some training loss at the time
        t.schedule.best = { valBitsPerChar: real - 2, step: 40, charsSeen: 0, loss: lossAtBest };
        t.validate();
        return t.earlyStop;
      };
      const t = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), SMALL, defaultKernels());
      trainFor(t, 50);
      assert.equal(judgeAt(t.smoothLoss + 1), undefined, 'training still improving: memorising, not diverged');
      assert.equal(judgeAt(t.smoothLoss - 0.4), undefined, 'training loss within its noise of the best: memorising');
      assert.equal(judgeAt(t.smoothLoss - 0.6)?.reason, 'diverged');
    });

    // a default run on a 1.4 MB Python package stopped as diverged after 82 s: its state from zero went
    // to +-1 on the files' `# ` first lines (13.5 bits/char on validation) while training held
    it('validation worse than uniform guessing while training holds goes on (the best is kept); before any best it stops the run', () => {
      const judge = (t: Trainer, bpc: number) => (t as unknown as { judge(b: number): void }).judge(bpc);
      const t = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), SMALL, defaultKernels());
      trainFor(t, 50);
      t.schedule.best = { valBitsPerChar: 2, step: 40, charsSeen: 0, loss: t.smoothLoss };
      judge(t, 30);
      assert.equal(t.earlyStop, undefined, 'training holds: not diverged');
      assert.equal(t.schedule.best.valBitsPerChar, 2, 'the best stays');
      t.schedule.best = { valBitsPerChar: 2, step: 40, charsSeen: 0, loss: t.smoothLoss - 0.6 };
      judge(t, 30);
      assert.equal((t.earlyStop as { reason: string } | undefined)?.reason, 'diverged', 'training got worse too: diverged');
      const fresh = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), SMALL, defaultKernels());
      judge(fresh, 30);
      assert.match(fresh.earlyStop?.message ?? '', /validation 30\.000 bits\/char is worse than uniform guessing/);
    });
  });

  describe('the validation sample', () => {
    it('spreads the budget over many files, the same every time, each piece from a line start', () => {
      const files = Array.from({ length: 50 }, (_, i) => ({ relPath: `f${i}.txt`, text: `line ${'abcdefghij'[i % 10]}\n`.repeat(40 + i * 10) }));
      const v = Vocab.build(files.map((f) => f.text));
      const all = encodeFiles(v, files);
      const sample = validationSample(all, 20_000, v.idOfCodePoint(10));
      assert.equal(sample.names.length, 20, 'pieces of at least 1,000 characters over 20 files');
      assert.ok(sample.tokens.length <= 20_000 && sample.tokens.length > 18_000, `${sample.tokens.length} characters`);
      const again = validationSample(all, 20_000, v.idOfCodePoint(10));
      assert.deepEqual(again.names, sample.names);
      assert.ok(bytesOf(Int32Array.from(again.tokens)).equals(bytesOf(Int32Array.from(sample.tokens))));
      for (let i = 0; i < sample.names.length; i++) {
        const piece = v.decode(sample.tokens.subarray(sample.starts[i], sample.starts[i + 1]));
        assert.ok(piece.startsWith('line '), `piece ${sample.names[i]} starts at a line start`);
        const source = files.find((f) => f.relPath === sample.names[i].replace(/@\d+$/, ''))!;
        const at = Number(/@(\d+)$/.exec(sample.names[i])?.[1] ?? 0);
        assert.equal(source.text.slice(at, at + piece.length), piece);
      }
      // the shorter files leave their share to the longer ones; everything when it fits
      assert.equal(validationSample(all, all.tokens.length, v.idOfCodePoint(10)), all);
    });
  });

  describe('resume', () => {
    it('continues exactly mid-plateau: best, counts, learning-rate factor, kept copy and parameters', () => {
      const settings = { ...SMALL, patience: 2 };
      const straight = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), settings, defaultKernels());
      trainFor(straight, 120);
      const first = Trainer.create(vocab, data(TRAIN, vocab), data(VAL, vocab), settings, defaultKernels());
      trainFor(first, 75);
      assert.ok(first.schedule.lrScale < 1 && first.schedule.best!.step < 75, 'interrupted after a halving, past the best');
      const latest = decodeCheckpoint(encodeCheckpoint(first.model, first.snapshot()), 'checkpoint', defaultKernels());
      const keptFile = first.keptCheckpoint()!;
      const best = decodeCheckpoint(encodeCheckpoint(keptFile.model, keptFile.training), 'checkpoint', defaultKernels());
      const resumed = Trainer.resume(latest.model, latest.training!, data(TRAIN, vocab), data(VAL, vocab), {}, { params: best.model.params, table: best.model.direct!.table });
      assert.equal(resumed.resumedExactly, true);
      trainFor(resumed, 45);
      assert.deepEqual(resumed.schedule, straight.schedule);
      assert.ok(bytesOf(resumed.model.params).equals(bytesOf(straight.model.params)), 'parameters');
      assert.ok(bytesOf(resumed.model.direct!.table).equals(bytesOf(straight.model.direct!.table)), 'table');
      assert.ok(bytesOf(resumed.keptCheckpoint()!.model.params).equals(bytesOf(straight.keptCheckpoint()!.model.params)), 'the kept copy');
      assert.deepEqual(resumed.history, straight.history);
      // without the best model's parameters the record of the best starts afresh (the rate stays lowered)
      const alone = Trainer.resume(decodeCheckpoint(encodeCheckpoint(first.model, first.snapshot()), 'checkpoint', defaultKernels()).model, latest.training!, data(TRAIN, vocab), data(VAL, vocab));
      assert.equal(alone.schedule.best, undefined);
      assert.equal(alone.schedule.lrScale, first.schedule.lrScale);
      // on another validation sample too
      const other = Trainer.resume(best.model, best.training!, data(TRAIN, vocab), data([VAL[0] + 'more\n'], vocab));
      assert.equal(other.schedule.best, undefined);
    });
  });
});

describe('a training job keeps the best checkpoint', function () {
  this.timeout(60_000);
  let tmp: string;
  let workspace: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-best-'));
    workspace = path.join(tmp, 'ws');
    fs.mkdirSync(path.join(workspace, 'lib'), { recursive: true });
    fs.mkdirSync(path.join(workspace, 'test'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'lib', 'add.js'), TRAIN[0]);
    fs.writeFileSync(path.join(workspace, 'lib', 'total.js'), TRAIN[1]);
    fs.writeFileSync(path.join(workspace, 'test', 'sub.js'), VAL[0]);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const job = (out: string, steps: number, extra: Partial<Parameters<typeof runTrainingJob>[0]> = {}) =>
    runTrainingJob({ paths: [workspace], out, steps, settings: SMALL, corpus: { valFraction: 0.2 }, ...extra });

  it('writes the best model at --out and the latest state beside it; a resume continues both exactly', async () => {
    const out = path.join(tmp, 'model.safetensors');
    const latest = latestPathOf(out);
    assert.equal(latest, path.join(tmp, 'model.latest.safetensors'));
    const { done, kept, trainer } = await job(out, 200);
    assert.deepEqual(trainer.val!.names, ['test/sub.js'], 'the test folder is held out');
    assert.ok(done.bestStep! < 200);
    assert.deepEqual(kept, { path: out, step: done.bestStep, valBitsPerChar: done.bestValBitsPerChar, latestPath: latest, latestStep: 200, written: true });
    const best = await loadCheckpoint(out, defaultKernels());
    const last = await loadCheckpoint(latest, defaultKernels());
    assert.equal(best.training!.step, done.bestStep);
    assert.equal(best.training!.latestStep, 200);
    assert.equal(best.training!.resume, undefined);
    assert.equal(last.training!.step, 200);
    assert.ok(last.training!.resume, 'the latest state is complete');
    assert.deepEqual(last.training!.schedule!.best, best.training!.schedule!.best);
    // the model at --out is the run stopped at its best step
    const short = await job(path.join(tmp, 'short.safetensors'), done.bestStep!);
    assert.ok(bytesOf(best.model.params).equals(bytesOf(short.trainer.model.params)));
    assert.ok(!fs.existsSync(latestPathOf(path.join(tmp, 'short.safetensors'))), 'no latest file when the latest is the best');
    // interrupted at step 120 and resumed from --out: the same two files as the uninterrupted run
    const out2 = path.join(tmp, 'resumed.safetensors');
    await job(out2, 120);
    const again = await job(out2, 200, { resume: out2 });
    assert.equal(again.trainer.resumedExactly, true);
    assert.ok(fs.readFileSync(out2).equals(fs.readFileSync(out)), 'the best checkpoints are identical');
    assert.ok(fs.readFileSync(latestPathOf(out2)).equals(fs.readFileSync(latest)), 'the latest states are identical');
  });

  it('continues from the kept model alone when the latest state is missing, and says so', async () => {
    const out = path.join(tmp, 'model.safetensors');
    const { done } = await job(out, 200);
    fs.rmSync(latestPathOf(out));
    let note: string | undefined;
    const again = await job(out, 220, { resume: out, onEvent: (e) => { if (e.event === 'start') note = e.note; } });
    assert.match(note!, /model\.latest\.safetensors is missing: continuing from the best model \(step \d+\) with a fresh optimizer state/);
    assert.equal(again.trainer.resumedExactly, false);
    assert.equal(again.done.step, 220);
    assert.ok(again.trainer.schedule.best!.valBitsPerChar <= done.bestValBitsPerChar!);
  });

  it('a diverged run (--lr 10) never replaces the best model and leaves no latest state', async () => {
    const out = path.join(tmp, 'good.safetensors');
    await job(out, 20);
    const good = fs.readFileSync(out);
    const wild = await job(out, 400, { resume: out, settings: { learningRate: 10, clip: 1e9, directLearningRate: 10 } });
    assert.equal(wild.done.reason, 'diverged');
    assert.equal(wild.kept.written, false);
    assert.ok(fs.readFileSync(out).equals(good), 'the good checkpoint is untouched');
    assert.ok(!fs.existsSync(latestPathOf(out)));
  });
});

// issue 13, kind 8: suggestions start from the first checkpoint, so a young run saves early and often
describe('the checkpoint schedule', () => {
  it('writes the first checkpoints at 15, 30, 60 and 120 s, then at the interval', () => {
    const times = (every: number, n: number) => {
      let t = 0;
      return Array.from({ length: n }, (_, k) => (t += checkpointInterval(k, every)));
    };
    assert.deepEqual(times(60, 6), [15, 30, 60, 120, 180, 240]);
    assert.deepEqual(times(600, 6), [15, 30, 60, 120, 240, 480]);
    assert.deepEqual(times(5, 3), [5, 10, 15], 'an interval below 15 s is kept from the start');
  });
});

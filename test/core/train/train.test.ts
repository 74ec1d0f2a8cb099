import assert from 'node:assert/strict';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/core/checkpoint/checkpoint';
import { allocChunk } from '../../../src/core/model/bptt';
import { StreamSampler } from '../../../src/core/train/streams';
import { generate } from '../../../src/core/infer/generate';
import { Rng } from '../../../src/core/model/rng';
import { CompletionSession } from '../../../src/core/infer/session';
import { Trainer } from '../../../src/core/train/trainer';
import { checkTrainingMemory, TRAINING_STEP_LIMIT_BYTES, trainingStepBytes } from '../../../src/core/train/memory';
import { DEFAULT_TRAIN_SETTINGS, TrainSettings } from '../../../src/core/checkpoint/training-state';
import { DIRECT_LIMITS } from '../../../src/core/model/direct-connections';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bytesOf, textData } from '../../helpers/model';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';
import { repoRoot } from '../../helpers/repo';

const LINE = 'the quick brown fox jumps over the lazy dog\n';
const small: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 32, layers: 1, seqLength: 16, batchSize: 8, learningRate: 0.01, valEverySteps: 1000, historyEverySteps: 5, directMB: 2 };

describe('trainer', () => {
  it('memorises a tiny repeated text (loss < 0.05 nats) and greedy generation reproduces it', () => {
    const { vocab, data } = textData([LINE.repeat(30)]);
    const trainer = Trainer.create(vocab, data, undefined, small, defaultKernels());
    let recent = 0;
    for (let i = 0; i < 400; i++) {
      const loss = trainer.trainStep();
      if (i >= 390) recent += loss / 10;
    }
    assert.ok(recent < 0.05, `mean loss of the last 10 steps ${recent}`);
    const prefix = LINE + 'the quick';
    const state = new CompletionSession(trainer.model).stateAt(prefix, prefix.length);
    const g = generate(trainer.model, state, { maxLength: 60, mode: 'greedy', stopAtNewline: false });
    assert.equal(g.text, ' brown fox jumps over the lazy dog\nthe quick brown fox jumps');
  });

  it('is deterministic: the same seed, data and settings give a bit-identical checkpoint', () => {
    const { vocab, data } = textData(['abc abd abe\n'.repeat(20), 'xyz xy\n'.repeat(10)]);
    const run = (seed: number) => {
      const t = Trainer.create(vocab, data, undefined, { ...small, seed }, defaultKernels());
      for (let i = 0; i < 12; i++) t.trainStep();
      return Buffer.from(encodeCheckpoint(t.model, t.snapshot()));
    };
    assert.ok(run(3).equals(run(3)));
    assert.ok(!run(3).equals(run(4)));
  });

  for (const optimizer of ['adam', 'adagrad'] as const) {
    it(`resumed from a checkpoint equals uninterrupted training (${optimizer}, 2 layers, carried state, validation schedule)`, () => {
      const { vocab, data } = textData(['if (a) { return b; }\n'.repeat(15), 'let x = 1;\nlet y = 2;\n'.repeat(10)]);
      const val = textData(['if (b) { return a; }\nlet z = 3;\n'.repeat(4)], vocab).data;
      // a validation every 2 steps and a patience of 1: the best, the counts and the rates' factor all move
      const settings: TrainSettings = { ...small, layers: 2, optimizer, learningRate: optimizer === 'adam' ? 0.01 : 0.1, clipMode: optimizer === 'adam' ? 'norm' : 'value', valEverySteps: 2, patience: 1 };
      const advance = (t: Trainer, steps: number) => {
        for (let i = 0; i < steps; i++) {
          t.trainStep();
          if (t.step % settings.valEverySteps === 0) t.validate();
        }
      };
      const straight = Trainer.create(vocab, data, val, settings, defaultKernels());
      advance(straight, 10);
      const first = Trainer.create(vocab, data, val, settings, defaultKernels());
      advance(first, 4);
      const saved = decodeCheckpoint(encodeCheckpoint(first.model, first.snapshot()), 'checkpoint', defaultKernels());
      const keptFile = first.keptCheckpoint();
      const kept = keptFile && decodeCheckpoint(encodeCheckpoint(keptFile.model, keptFile.training), 'checkpoint', defaultKernels()).model;
      const resumed = Trainer.resume(saved.model, saved.training!, data, val, {}, kept && { params: kept.params, table: kept.direct?.table });
      assert.equal(resumed.resumedExactly, true);
      assert.equal(resumed.step, 4);
      assert.deepEqual(resumed.schedule, first.schedule);
      advance(resumed, 6);
      assert.ok(bytesOf(resumed.model.params).equals(bytesOf(straight.model.params)), 'parameters differ');
      for (const [name, arr] of Object.entries(straight.optimizer.state)) {
        assert.ok(bytesOf(resumed.optimizer.state[name]).equals(bytesOf(arr)), `optimizer state ${name} differs`);
      }
      assert.equal(resumed.optimizer.step, 10);
      assert.deepEqual(resumed.schedule, straight.schedule);
      assert.ok(straight.schedule.best !== undefined, 'validation ran');
      const keptNow = [resumed, straight].map((t) => t.keptCheckpoint()?.model.params);
      assert.ok(keptNow[0] === keptNow[1] || bytesOf(keptNow[0]!).equals(bytesOf(keptNow[1]!)), 'the kept best model differs');
      assert.ok(Buffer.from(encodeCheckpoint(resumed.model, resumed.snapshot())).equals(Buffer.from(encodeCheckpoint(straight.model, straight.snapshot()))), 'the checkpoints differ');
    });
  }

  it('resumes on changed data with the optimizer state but fresh streams', () => {
    const a = textData(['aaa bbb\n'.repeat(20)]);
    const t = Trainer.create(a.vocab, a.data, undefined, small, defaultKernels());
    for (let i = 0; i < 3; i++) t.trainStep();
    const saved = decodeCheckpoint(encodeCheckpoint(t.model, t.snapshot()), 'checkpoint', defaultKernels());
    const b = textData(['bbb aaa ab\n'.repeat(20)], a.vocab);
    const resumed = Trainer.resume(saved.model, saved.training!, b.data, undefined);
    assert.equal(resumed.resumedExactly, false);
    assert.ok(bytesOf(resumed.optimizer.state.m).equals(bytesOf(t.optimizer.state.m)));
    resumed.trainStep();
    assert.equal(resumed.step, 4);
  });

  it('validates and records held-out bits per character in the history', () => {
    const { vocab, data } = textData(['abcabcabc\n'.repeat(20)]);
    const val = textData(['abcabc\n'.repeat(5)], vocab).data;
    const t = Trainer.create(vocab, data, val, { ...small, valEverySteps: 5 }, defaultKernels());
    for (let i = 0; i < 5; i++) t.trainStep();
    const bpc = t.validate()!;
    assert.ok(bpc > 0 && bpc < Math.log2(vocab.size) + 1);
    const point = t.history.find((p) => p.valBitsPerChar !== undefined)!;
    assert.equal(point.step, 5);
    assert.equal(point.valBitsPerChar, bpc);
  });

  it('runs for a number of steps and stops on a signal, emitting events', async () => {
    const { vocab, data } = textData(['hello there\n'.repeat(20)]);
    const t = Trainer.create(vocab, data, undefined, small, defaultKernels());
    const events: string[] = [];
    const done = await t.run({ steps: 7, onEvent: (e) => events.push(e.event) });
    assert.equal(done.reason, 'steps');
    assert.equal(t.step, 7);
    assert.deepEqual([events[0], events[events.length - 1]], ['start', 'done']);
    const controller = new AbortController();
    controller.abort();
    const stopped = await t.run({ seconds: 100, signal: controller.signal });
    assert.equal(stopped.reason, 'stopped');
    assert.equal(t.step, 7);
  });

  it('refuses bad settings with a clear message', () => {
    const { vocab, data } = textData(['abc\n'.repeat(5)]);
    assert.throws(() => Trainer.create(vocab, data, undefined, { ...small, hiddenSize: 8 }, defaultKernels()), /hiddenSize must be an integer from 16 to 1024, got 8/);
    assert.throws(() => Trainer.create(vocab, data, undefined, { ...small, layers: 5 }, defaultKernels()), /layers must be an integer from 1 to 4/);
    assert.throws(() => Trainer.create(vocab, data, undefined, { ...small, learningRate: -1 }, defaultKernels()), /learning rate/);
    assert.throws(() => Trainer.create(vocab, data, undefined, { ...small, optimizer: 'sgd' as never }, defaultKernels()), /optimizer must be 'adam' or 'adagrad'/);
    const empty = textData(['a'], vocab).data;
    assert.throws(() => Trainer.create(vocab, empty, undefined, small, defaultKernels()), /no file of at least 2 characters/);
  });
});

describe('stream sampler', () => {
  it('starts segments from zero at file starts and at line starts, never across files', () => {
    const files = ['first line\nsecond line\nthird line\n', 'other file\nmore\n'];
    const { vocab, data } = textData(files);
    const B = 3, T = 50;
    const sampler = new StreamSampler(data, vocab, B, 0.5);
    const chunk = allocChunk(T, B);
    const rng = new Rng(9);
    let fileStarts = 0, lineStarts = 0;
    for (let rep = 0; rep < 40; rep++) {
      sampler.fill(chunk, T, rng);
      for (let n = 0; n < T * B; n++) {
        // every target follows its input inside one file
        const input = vocab.symbols[chunk.inputs[n]], target = vocab.symbols[chunk.targets[n]];
        assert.ok(files.some((f) => f.includes(input + target)), `${JSON.stringify(input + target)} is not in any file`);
        if (chunk.reset[n]) {
          // a reset input is the first character of a line: f(irst), o(ther) start files; s, t, m start later lines
          const first = vocab.symbols[chunk.inputs[n]];
          assert.ok('fostm'.includes(first), `segment starts at ${JSON.stringify(first)}, not at a line start`);
          if (first === 'f' || first === 'o') fileStarts++;
          else lineStarts++;
        }
      }
    }
    assert.ok(fileStarts > 0, 'some segments start at a file start');
    assert.ok(lineStarts > 0, 'some segments start at a line start inside a file');
  });

  // a model trained on segments that ran to the ends of 30 KB files started from zero once in hundreds
  // of steps, and drifted into a saturated state from zero on Python comment lines (streams.ts)
  it('reads at most segmentChars characters from the zero state, then starts a new segment; 0 reads to the file end', () => {
    const files = ['abcdefghijklmnopqrstuvwxyz'.repeat(40) + '\n'];
    const { vocab, data } = textData(files);
    const B = 2, T = 16;
    const runs = (segmentChars: number): number[] => {
      const sampler = new StreamSampler(data, vocab, B, 0, segmentChars);
      const chunk = allocChunk(T, B);
      const rng = new Rng(3);
      const lengths: number[] = [];
      const current = [0, 0];
      for (let rep = 0; rep < 200; rep++) {
        sampler.fill(chunk, T, rng);
        for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
          if (chunk.reset[t * B + b] && current[b] > 0) {
            lengths.push(current[b]);
            current[b] = 0;
          }
          current[b]++;
        }
      }
      return lengths;
    };
    const capped = runs(100);
    assert.ok(capped.length > 50);
    // one line of 1,040 characters and its newline: blocks of 100 from the line's start, the last one 40
    assert.deepEqual([...new Set(capped)].sort((x, y) => x - y), [40, 100], 'segments of at most 100 predictions, the line read in blocks');
    assert.deepEqual([...new Set(runs(0))], [files[0].length - 1], 'with 0 a segment reads its whole file');
    // with many lines, capped segments start at line starts and read every part of the file about as often
    const lines = Array.from({ length: 200 }, (_, i) => `line ${String(i).padStart(3, '0')} of the file\n`).join('');
    const many = textData([lines]);
    const sampler = new StreamSampler(many.data, many.vocab, 4, 0, 60);
    const chunk = allocChunk(16, 4);
    const rng = new Rng(11);
    const starts: number[] = [];
    for (let rep = 0; rep < 3000; rep++) {
      sampler.fill(chunk, 16, rng);
      for (let b = 0; b < 4; b++) {
        // the last segment started in this chunk, found from where the stream stands now
        for (let t = 15; t >= 0; t--) {
          if (!chunk.reset[t * 4 + b]) continue;
          starts.push(sampler.pos[b] - (16 - t));
          break;
        }
      }
    }
    for (const st of starts) assert.ok(st === 0 || lines[st - 1] === '\n', `a segment starts at ${st}, not at a line start`);
    const firstHalf = starts.filter((st) => st < lines.length / 2).length;
    assert.ok(Math.abs(2 * firstHalf - starts.length) / starts.length < 0.1, `${firstHalf} of ${starts.length} segments start in the first half`);
    assert.throws(() => Trainer.create(vocab, data, undefined, { ...small, segmentChars: 1 }, defaultKernels()), /segmentChars must be 0 \(to the end of the file\) or an integer from 2 to 1000000000, got 1/);
  });
});

// issue 12, kind 7: values inside the documented bounds either work or are refused up front, naming the limit
describe('trainer: what the bounds allow', () => {
  const config = (H: number, L: number, V: number) => ({ hiddenSize: H, layers: L, vocabSize: V });

  it('the defaults, and each maximum alone with the other defaults, fit the kernels\' memory', () => {
    const d = DEFAULT_TRAIN_SETTINGS;
    assert.ok(trainingStepBytes(config(d.hiddenSize, d.layers, 256), d) < TRAINING_STEP_LIMIT_BYTES / 10);
    for (const [H, L] of [[1024, 1], [256, 4], [1024, 4]]) assert.doesNotThrow(() => checkTrainingMemory(config(H, L, 256), d), `H=${H} L=${L}`);
    assert.doesNotThrow(() => checkTrainingMemory(config(256, 1, 256), { ...d, seqLength: 4096, batchSize: 1, threads: 1 }));
  });

  it('refuses a batch whose step cannot fit, before allocating it, with a plain Error that names the limit', () => {
    const { vocab, data: train } = textData(['abcdefghij klmnop\n'.repeat(50)]);
    for (const over of [{ batchSize: 1024, seqLength: 4096 }, { batchSize: 256, seqLength: 1024, hiddenSize: 1024, layers: 4 }]) {
      assert.throws(() => Trainer.create(vocab, train, undefined, { ...DEFAULT_TRAIN_SETTINGS, threads: 1, ...over }, defaultKernels()), (err: Error) => {
        assert.equal(err.constructor, Error, `a plain Error (a user error), not ${err.constructor.name}`);
        assert.match(err.message, /^a training step of batch \d+ x sequence length \d+ with hidden size \d+, \d layers? and \d+ symbols needs about \d+ MB, more than the 960 MB limit of the kernels' memory: lower /);
        return true;
      });
    }
  });

  it('the direct-connection budget and the editor settings\' maxima agree with what works', () => {
    assert.equal(DIRECT_LIMITS.megabytes.max, 1024, 'a checkpoint must stay under the 4 GB of one Node buffer');
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'));
    const props = Object.assign({}, ...pkg.contributes.configuration.map((section: { properties: object }) => section.properties));
    assert.equal(props['charRnn.model.directConnectionsMB'].maximum, DIRECT_LIMITS.megabytes.max);
    const { vocab, data } = textData(['ab\n'.repeat(10)]);
    assert.throws(() => Trainer.create(vocab, data, undefined, { ...DEFAULT_TRAIN_SETTINGS, directMB: 4096 }, defaultKernels()), /directMB must be from 1 to 1024 \(megabytes\), got 4096/);
  });
});

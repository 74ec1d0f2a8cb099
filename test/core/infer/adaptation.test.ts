import assert from 'node:assert/strict';
import { DynamicEvaluation } from '../../../src/core/infer/adaptation';
import { dynamicBitsPerChar, keystrokeSavings } from '../../../src/core/eval/simulated-user';
import { bitsPerChar } from '../../../src/core/model/bits-per-char';
import { CompletionSession } from '../../../src/core/infer/session';
import { Trainer } from '../../../src/core/train/trainer';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src/core/checkpoint/training-state';
import { RnnModel } from '../../../src/core/model/model';
import { DirectConnections } from '../../../src/core/model/direct-connections';
import { textData } from '../../helpers/model';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';

const TRAIN = [
  'function add(a, b) {\n  return a + b;\n}\n',
  'function sub(a, b) {\n  return a - b;\n}\n',
  'const x = add(1, 2);\nconst y = sub(3, 4);\n',
];
/** text the training never saw, with a word repeated often */
const USER = 'const frobnicate = makeFrobnicate();\nfrobnicate.run(frobnicate);\nfrobnicate.stop(frobnicate);\n'.repeat(3);

let trainer: Trainer;
let model: RnnModel;

describe('dynamic evaluation of the direct connections', () => {
  before(() => {
    const { vocab, data } = textData([...TRAIN, USER.slice(0, 40)]); // the vocabulary covers the user's text
    trainer = Trainer.create(vocab, data, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 24, seqLength: 16, batchSize: 4, directOrders: 4, directMB: 2 }, defaultKernels());
    for (let i = 0; i < 40; i++) trainer.trainStep();
    model = trainer.model;
  });
  after(() => trainer.dispose());

  it('a step lowers the loss on the segment it learned from, without touching the trained table', () => {
    const dyn = new DynamicEvaluation(model, { segment: 64 });
    const table = Float32Array.from(model.direct!.table);
    const data = textData([USER.slice(0, 65)], model.vocab).data;
    // record one segment of 64 inputs by reading the text with a session, then learn from it twice
    const session = new CompletionSession(model, { dynamic: dyn, learnPerCall: 0 });
    session.stateAt(USER, 65);
    assert.equal(dyn.pending, 1, 'a segment of 64 characters with their next characters is waiting');
    const seg = (dyn as unknown as { queue: Parameters<DynamicEvaluation['learn']>[0][] }).queue[0];
    const before = dyn.learn(seg);
    const after = dyn.learn(seg);
    assert.ok(after < before - 0.5, `loss on the segment: ${before.toFixed(3)} nats, then ${after.toFixed(3)}`);
    assert.ok(dyn.adaptation.adaptedRows > 0);
    assert.deepEqual(Array.from(model.direct!.table), Array.from(table), 'the trained table is unchanged');
    // the loss before any step is the static model's: the same as bits per character of the chunk path
    const fresh = new DynamicEvaluation(model, { segment: 4096, cache: false });
    const dynamicBpc = dynamicBitsPerChar(fresh, data);
    assert.ok(Math.abs(dynamicBpc.bitsPerChar - bitsPerChar(model, data).bitsPerChar) < 1e-4);
    dyn.dispose();
    fresh.dispose();
  });

  it('records each character of the text before the cursor once, spreading the steps over calls', () => {
    const dyn = new DynamicEvaluation(model, { segment: 16 });
    const session = new CompletionSession(model, { dynamic: dyn });
    // typing 16 * 5 + 1 characters, one call per keystroke: 5 complete segments, each learned by a later call
    for (let i = 1; i <= 81; i++) session.stateAt(USER, i);
    assert.equal(dyn.segmentsLearned + dyn.pending, 5);
    assert.ok(dyn.pending <= 1, 'one segment learned per call keeps up with typing');
    // asking again at the same place records nothing new
    for (let i = 0; i < 5; i++) session.stateAt(USER, 81);
    assert.equal(dyn.segmentsLearned + dyn.pending, 5);
    // reading a long text at once queues its segments; each call learns one, none is learned twice
    const dyn2 = new DynamicEvaluation(model, { segment: 16 });
    const s2 = new CompletionSession(model, { dynamic: dyn2 });
    s2.stateAt(USER, 16 * 10 + 1);
    assert.equal(dyn2.segmentsLearned + dyn2.pending, 10);
    assert.equal(dyn2.segmentsLearned, 1, 'the call that read the text learned one segment, not all ten');
    // an edit before the cursor: the retyped text is recorded again, the rest not twice
    const edited = USER.slice(0, 150) + 'XYZ' + USER.slice(153);
    for (let i = 151; i <= 161; i++) s2.stateAt(edited, i);
    assert.equal(dyn2.segmentsLearned + dyn2.pending, 10, 'the segment from 144 is not complete yet');
    for (let i = 162; i <= 177; i++) s2.stateAt(edited, i);
    assert.equal(dyn2.segmentsLearned + dyn2.pending, 11);
    dyn.dispose();
    dyn2.dispose();
  });

  it('resetting the adaptation restores the checkpoint\'s behaviour exactly', () => {
    const at = USER.length - 20;
    const opts = { maxChars: 20, minConfidence: 0 };
    // without the cache, a reset adaptation is the trained model; with it, a fresh adaptation
    for (const cache of [false, true]) {
      const dyn = new DynamicEvaluation(model, { cache });
      const plain = cache ? new CompletionSession(model, { dynamic: new DynamicEvaluation(model, { cache }), learnPerCall: 0 }) : new CompletionSession(model);
      const adapted = new CompletionSession(model, { dynamic: dyn });
      const before = plain.propose(USER, at, opts);
      for (let i = 1; i <= at; i += 3) adapted.stateAt(USER, i);
      while (dyn.pending > 0) dyn.work(1);
      const during = adapted.propose(USER, at, opts);
      assert.notEqual(during?.prob, before?.prob, 'the adaptation changed the proposal');
      dyn.reset();
      assert.equal(dyn.adaptation.adaptedRows, 0);
      assert.equal(dyn.pending, 0);
      assert.equal(dyn.mixture?.cache.counted ?? 0, 0);
      const fresh = new CompletionSession(model, { dynamic: dyn, learnPerCall: 0 });
      const after = fresh.propose(USER, at, opts);
      assert.equal(after?.text, before?.text);
      assert.equal(after?.prob, before?.prob, 'bit-identical probability');
      assert.deepEqual(after?.full.probs, before?.full.probs);
      dyn.dispose();
    }
  });

  it('adapts to the user\'s repeated words: fewer bits and more keystrokes saved than without it', () => {
    const data = textData([USER], model.vocab).data;
    const dyn = new DynamicEvaluation(model);
    const adaptive = dynamicBitsPerChar(dyn, data).bitsPerChar;
    const fixed = bitsPerChar(model, data).bitsPerChar;
    assert.ok(adaptive < fixed - 0.1, `${adaptive.toFixed(3)} bits/char with adaptation, ${fixed.toFixed(3)} without`);
    const plainKsr = keystrokeSavings(model, [USER], { completion: { minConfidence: 0 } }).ksr;
    const dyn2 = new DynamicEvaluation(model);
    const adaptiveKsr = keystrokeSavings(model, [USER], { completion: { minConfidence: 0 }, session: { dynamic: dyn2 } }).ksr;
    assert.ok(adaptiveKsr > plainKsr, `keystroke savings ${adaptiveKsr.toFixed(3)} with adaptation, ${plainKsr.toFixed(3)} without`);
    dyn.dispose();
    dyn2.dispose();
  });

  it('keeps its adapted rows under the memory cap, and refuses a model without direct connections', () => {
    const V = model.config.vocabSize;
    const maxMB = (10 * V * 4) / 2 ** 20; // room for 10 rows
    const dyn = new DynamicEvaluation(model, { maxMB });
    const session = new CompletionSession(model, { dynamic: dyn });
    for (let i = 1; i <= 200; i++) session.stateAt(USER, i);
    while (dyn.pending > 0) dyn.work(1);
    assert.ok(dyn.segmentsLearned >= 3);
    assert.equal(dyn.adaptation.adaptedRows, 10);
    assert.ok(dyn.adaptation.bytes <= maxMB * 2 ** 20);
    dyn.dispose();
    const direct = model.direct;
    model.direct = undefined;
    try {
      assert.throws(() => new DynamicEvaluation(model), /this model has none/);
    } finally {
      model.direct = direct;
    }
    assert.throws(() => new DynamicEvaluation(model, { learningRate: 0 }), /learning rate must be in \(0, 10\]/);
  });
});

describe('dynamic evaluation across a newer checkpoint', () => {
  it('carries what was learned over to a newer table of the same shape, as changes to its rows', () => {
    const { vocab, data } = textData([...TRAIN, USER.slice(0, 40)]);
    const t = Trainer.create(vocab, data, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, seqLength: 16, batchSize: 4, directOrders: 3, directMB: 1 }, defaultKernels());
    for (let i = 0; i < 5; i++) t.trainStep();
    const older = t.model;
    const dynOld = new DynamicEvaluation(older);
    const session = new CompletionSession(older, { dynamic: dynOld });
    for (let i = 1; i <= 120; i++) session.stateAt(USER, i);
    while (dynOld.pending > 0) dynOld.work(1);
    assert.ok(dynOld.adaptation.adaptedRows > 0);
    // a newer checkpoint: the same shapes, every table entry moved by 0.5
    const newer = new RnnModel(older.config, older.vocab, Float32Array.from(older.params), defaultKernels());
    newer.direct = new DirectConnections(older.direct!.config, older.direct!.table.map((x) => x + 0.5));
    const dynNew = new DynamicEvaluation(newer);
    dynNew.carryFrom(dynOld);
    assert.equal(dynNew.adaptation.adaptedRows, dynOld.adaptation.adaptedRows);
    assert.equal(dynNew.segmentsLearned, dynOld.segmentsLearned);
    const V = older.config.vocabSize;
    const rows = new Int32Array(3);
    older.direct!.rowsAt(older.vocab.encode(USER), 30, 0, rows, 0);
    const before = new Float64Array(V), after = new Float64Array(V);
    dynOld.adaptation.addRows(before, 0, rows, 0);
    dynNew.adaptation.addRows(after, 0, rows, 0);
    const trained = new Float64Array(V);
    older.direct!.addRows(trained, 0, rows, 0);
    assert.ok(trained.some((x, v) => Math.abs(x - before[v]) > 1e-4), 'these rows were adapted');
    for (let v = 0; v < V; v++) assert.ok(Math.abs(after[v] - (before[v] + 3 * 0.5)) < 1e-5, `symbol ${v}: ${after[v]} vs ${before[v] + 1.5}`);
    t.dispose();
  });
});

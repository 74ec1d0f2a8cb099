import assert from 'node:assert/strict';
import { keystrokeSavings } from '../../../src/core/eval/simulated-user';
import { bitsPerChar } from '../../../src/core/model/bits-per-char';
import { InferenceStepper, zeroState } from '../../../src/core/model/model';
import { bigramModel, smallModel, textData } from '../../helpers/model';

describe('evaluation', () => {
  it('bits per character equals a step-by-step computation with the inference path, each file from zero', () => {
    const texts = ['hello world\nhello there\n', 'abc', 'x', 'the end of it\n'];
    const model = smallModel(texts, 16, 2, 5);
    const { data } = textData(texts, model.vocab);
    // batched: 2 streams in chunks of 3 steps, so files straddle chunks and streams
    const fast = bitsPerChar(model, data, { T: 3, B: 2 });
    let nats = 0, n = 0;
    for (const text of texts) {
      const ids = model.vocab.encode(text);
      const state = zeroState(model.config);
      const stepper = new InferenceStepper(model);
      for (let i = 0; i + 1 < ids.length; i++) {
        stepper.step(state, [ids[i]], true);
        // the evaluation's softmax includes the unknown symbol; recompute it plainly here
        const logits = stepper.logits;
        let max = -Infinity;
        for (const y of logits) max = Math.max(max, y);
        let sum = 0;
        for (const y of logits) sum += Math.exp(y - max);
        nats += max + Math.log(sum) - logits[ids[i + 1]];
        n++;
      }
    }
    assert.equal(fast.chars, n);
    assert.ok(Math.abs(fast.bitsPerChar - nats / n / Math.LN2) < 1e-5, `${fast.bitsPerChar} vs ${nats / n / Math.LN2}`);
    const capped = bitsPerChar(model, data, { maxChars: 5 });
    assert.equal(capped.chars, 5);
  });

  it('counts keystrokes of the simulated user exactly', () => {
    // after 'a' the model is sure of 'bcdef' then the end of the line
    const model = bigramModel(['a', 'b', 'c', 'd', 'e', 'f', '\n'], {
      a: { b: 0.99 }, b: { c: 0.99 }, c: { d: 0.99 }, d: { e: 0.99 }, e: { f: 0.99 }, f: { '\n': 0.99 }, '\n': { a: 0.99 },
    });
    // from the zero state nothing is likely (uniform), so 'a' is typed; then 'bcdef' accepted; '\n' typed
    const r = keystrokeSavings(model, ['abcdef\n'], { completion: { minConfidence: 0.5 } });
    assert.equal(r.chars, 7);
    assert.equal(r.keystrokes, 3);
    assert.equal(r.accepted, 1);
    assert.equal(r.shown, 1); // after 'f' the most likely next character is the newline: nothing to show
    assert.ok(Math.abs(r.ksr - (1 - 3 / 7)) < 1e-12);
  });

  it('does not accept a proposal that runs past the end of the line or differs from the text', () => {
    const model = bigramModel(['a', 'b', 'c', 'x', '\n'], { a: { b: 0.99 }, b: { c: 0.99 }, c: { a: 0.99 }, '\n': { a: 0.99 }, x: { x: 0.99 } });
    // the text breaks the pattern: 'abx' - the proposal 'bcab...' is wrong at 'x'
    const r = keystrokeSavings(model, ['abx\n'], { completion: { minConfidence: 0.5, maxChars: 10 } });
    assert.equal(r.accepted, 0);
    assert.equal(r.keystrokes, 4);
    assert.equal(r.ksr, 0);
    assert.ok(r.shown >= 1);
  });
});

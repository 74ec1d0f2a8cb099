import assert from 'node:assert/strict';
import { hiddenStates } from '../../../src/core/infer/inspect';
import { InferenceStepper, zeroState } from '../../../src/core/model/model';
import { parseFromPanel } from '../../../src/webview/panel-protocol';
import { bigramModel, smallModel } from '../../helpers/model';

describe('hidden states for the panel', () => {
  it('are the states of a layer after each character, read from zero', () => {
    const model = smallModel(['hello world\n'], 16, 2, 4);
    const text = 'hello';
    const h = hiddenStates(model, text, 1);
    assert.deepEqual(h.chars, ['h', 'e', 'l', 'l', 'o']);
    assert.equal(h.values.length, 5 * 16);
    const state = zeroState(model.config);
    const stepper = new InferenceStepper(model);
    for (let t = 0; t < text.length; t++) {
      stepper.step(state, [model.vocab.idOfCodePoint(text.charCodeAt(t))], false);
      assert.deepEqual(Array.from(h.values.subarray(t * 16, (t + 1) * 16)), Array.from(state.subarray(16, 32)), `t = ${t}`);
    }
    assert.throws(() => hiddenStates(model, text, 2), /layer must be from 0 to 1/);
  });

  it('come with the five most likely next characters, most likely first', () => {
    const model = bigramModel(['a', 'b', 'c', 'd', 'e', 'f'], { a: { b: 0.5, c: 0.3, d: 0.1 } });
    const h = hiddenStates(model, 'a', 0);
    assert.deepEqual(h.top[0].chars.slice(0, 3), ['b', 'c', 'd']);
    assert.ok(Math.abs(h.top[0].probs[0] - 0.5) < 1e-3);
    assert.equal(h.top[0].chars.length, 5);
    assert.ok(h.top[0].probs.every((p, i, a) => i === 0 || p <= a[i - 1]));
  });
});

describe('messages from the panel', () => {
  it('are validated before use', () => {
    assert.deepEqual(parseFromPanel({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseFromPanel({ type: 'activations', request: 3, source: 'editor', layer: 0 }), { type: 'activations', request: 3, source: 'editor', text: undefined, layer: 0 });
    assert.equal(parseFromPanel({ type: 'activations', request: 3, source: 'text', layer: 0 }), undefined, 'text source without text');
    assert.equal(parseFromPanel({ type: 'activations', request: -1, source: 'editor', layer: 0 }), undefined);
    assert.equal(parseFromPanel({ type: 'sample', request: 1, prompt: 'x', length: 1e9, temperature: 1 }), undefined);
    assert.equal(parseFromPanel({ type: 'sample', request: 1, prompt: 'x', length: 10, temperature: 'hot' }), undefined);
    assert.equal(parseFromPanel({ type: 'sample', request: 1, prompt: 'x', length: 10, temperature: -0.1 }), undefined);
    assert.deepEqual(parseFromPanel({ type: 'sample', request: 1, prompt: 'x', length: 10, temperature: 0 }), { type: 'sample', request: 1, prompt: 'x', length: 10, temperature: 0 });
    assert.equal(parseFromPanel({ type: 'export', format: 'png', data: 'javascript:alert(1)' }), undefined);
    assert.equal(parseFromPanel({ type: 'export', format: 'exe', data: '' }), undefined);
    assert.equal(parseFromPanel({ type: 'unknown' }), undefined);
    assert.equal(parseFromPanel(null), undefined);
    assert.equal(parseFromPanel('ready'), undefined);
  });
});

import assert from 'node:assert/strict';
import { autoTriggerAllowed, automaticCompletion, DEFAULT_COMPLETION_SETTINGS, explicitCompletions, lineAround, trimRepeated } from '../../src/core/completion';
import { Rng } from '../../src/core/rng';
import { CompletionSession } from '../../src/core/session';
import { CompletionService } from '../../src/extension/completions/service';
import { bigramModel } from './helpers';

// after 'a' the model is sure of 'bcd', then ';'
const sure = () => bigramModel(['a', 'b', 'c', 'd', ';', ' ', ')', '\n'], { a: { b: 0.97 }, b: { c: 0.97 }, c: { d: 0.97 }, d: { ';': 0.97 }, ';': { '\n': 0.97 }, ' ': { a: 0.9 }, ')': { ';': 0.9 }, '\n': { a: 0.9 } });
const settings = { ...DEFAULT_COMPLETION_SETTINGS, minConfidence: 0.3 };

describe('completion rules', () => {
  it('reads the line around the cursor, a CR before LF aside', () => {
    assert.deepEqual(lineAround('x\nfoo bar\r\ny', 5), { before: 'foo', after: ' bar' });
    assert.deepEqual(lineAround('abc', 3), { before: 'abc', after: '' });
    assert.deepEqual(lineAround('\ncd', 4, 2), { before: 'c', after: 'd' }); // the text starts at document offset 2
  });

  it('allows an automatic suggestion at the end of a word or line, not in the middle of a word or before code', () => {
    assert.equal(autoTriggerAllowed({ before: 'const fo', after: '' }), true);
    assert.equal(autoTriggerAllowed({ before: 'call(', after: ')' }), true);
    assert.equal(autoTriggerAllowed({ before: 'x = "ab', after: '";' }), true);
    assert.equal(autoTriggerAllowed({ before: 'fo', after: 'o' }), false); // mid-word
    assert.equal(autoTriggerAllowed({ before: 'a = ', after: 'b + c' }), false); // code right of the cursor
    assert.equal(autoTriggerAllowed({ before: 'if (', after: 'x) {' }), false);
  });

  it('never repeats the text right of the cursor', () => {
    assert.equal(trimRepeated('foo)', ')'), 'foo');
    assert.equal(trimRepeated('foo);', ');'), 'foo');
    assert.equal(trimRepeated('x)', ')];'), 'x');
    assert.equal(trimRepeated(')', ')'), '');
    assert.equal(trimRepeated('bar', ''), 'bar');
    assert.equal(trimRepeated('one\ntwo', ')'), 'one');
    assert.equal(trimRepeated('one\ntwo', ''), 'one\ntwo');
  });

  it('proposes after the cursor through the session, gated, never one character, not mid-word', () => {
    const model = sure();
    const session = new CompletionSession(model);
    assert.equal(automaticCompletion(session, 'a', 1, settings)?.text, 'bcd;');
    assert.equal(automaticCompletion(session, 'ab', 1, settings), undefined, 'mid-word');
    assert.equal(automaticCompletion(session, 'a)', 1, settings)?.text, 'bcd;', 'a closing bracket right of the cursor is fine');
    assert.equal(automaticCompletion(session, 'a', 1, { ...settings, minConfidence: 0.99 }), undefined, 'the gate');
  });

  it('offers distinct alternatives on an explicit request, the most likely first', () => {
    const model = bigramModel(['a', 'b', 'c', 'x', 'y'], { a: { b: 0.5, x: 0.45 }, b: { c: 0.9 }, x: { y: 0.9 }, c: { a: 0.9 }, y: { a: 0.9 } });
    const out = explicitCompletions(new CompletionSession(model), 'a', 1, settings, 3, new Rng(3));
    assert.ok(out.length >= 2 && out.length <= 3, out.join('|'));
    assert.ok(out[0].startsWith('bc'));
    assert.equal(new Set(out).size, out.length);
    assert.ok(out.some((t) => t.startsWith('xy')), 'the sampled alternatives include the other branch');
  });
});

describe('the completion service', () => {
  const doc = (text: string, offset = text.length) => ({ key: 'file:///x.js', text, base: 0, offset });

  it('keeps the same suggestion while the user types through it, without recomputing', () => {
    const service = new CompletionService();
    service.setModel(sure());
    const first = service.automatic(doc(' a'), settings);
    assert.deepEqual(first, { text: 'bcd;', continued: false });
    const computed = service.computed;
    assert.deepEqual(service.automatic(doc(' ab'), settings), { text: 'cd;', continued: true });
    assert.deepEqual(service.automatic(doc(' abc'), settings), { text: 'd;', continued: true });
    assert.equal(service.computed, computed, 'no recomputation while typing through');
    // typing something else computes anew
    service.automatic(doc(' abx'), settings);
    assert.equal(service.computed, computed + 1);
  });

  it('applies changed settings at the next keystroke, even in the middle of a suggestion being typed through', () => {
    const service = new CompletionService();
    service.setModel(sure());
    assert.deepEqual(service.automatic(doc(' a'), settings), { text: 'bcd;', continued: false });
    // charRnn.completion.maxChars lowered to 2 while 'bcd;' is on screen: the next keystroke obeys it
    const short = service.automatic(doc(' ab'), { ...settings, maxChars: 2 });
    assert.equal(short?.continued, false, 'computed anew with the new settings');
    assert.ok(short!.text.length <= 2, `at most 2 characters: ${JSON.stringify(short!.text)}`);
    // charRnn.completion.minConfidence raised above what the model gives: nothing is shown any more
    assert.deepEqual(service.automatic(doc(' a'), settings), { text: 'bcd;', continued: false });
    assert.equal(service.automatic(doc(' ab'), { ...settings, minConfidence: 0.999 }), undefined);
  });

  it('serves a repeated state from its cache, and forgets everything for a new model', () => {
    const service = new CompletionService();
    service.setModel(sure());
    service.automatic(doc(' a'), settings);
    service.automatic(doc(' a '), settings);
    const computed = service.computed;
    service.automatic(doc(' a'), settings); // backspace: the same text as before
    assert.equal(service.computed, computed);
    assert.equal(service.openSessions, 1);
    service.setModel(sure());
    assert.equal(service.openSessions, 0);
    service.automatic(doc(' a'), settings);
    assert.equal(service.computed, computed + 1);
    service.forget('file:///x.js');
    assert.equal(service.openSessions, 0);
  });

  it('does nothing without a model', () => {
    const service = new CompletionService();
    assert.equal(service.ready, false);
    assert.equal(service.automatic(doc(' a'), settings), undefined);
    assert.deepEqual(service.explicit(doc(' a'), settings, 3), []);
    assert.equal(service.openSessions, 0);
  });

  it('with the suggestion list open, continues after the selected item', () => {
    const service = new CompletionService();
    service.setModel(sure());
    // typed ' ' then the list proposes 'a' for the range at offset 1
    assert.equal(service.afterSelectedItem(doc(' '), 1, 'a', settings), 'bcd;');
  });

  it('reads a CRLF document as the LF text the model was trained on', () => {
    const model = sure();
    const lf = new CompletionSession(model).stateAt('a;\na', 4);
    const crlf = new CompletionSession(model).stateAt('a;\r\na', 5);
    assert.deepEqual(Array.from(crlf), Array.from(lf));
  });
});

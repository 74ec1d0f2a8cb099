import assert from 'node:assert/strict';
import { autoTriggerAllowed, automaticCompletion, DEFAULT_COMPLETION_SETTINGS, explicitCompletions, fitToLine, lineAround } from '../../../src/core/infer/completion-rules';
import { Rng } from '../../../src/core/model/rng';
import { CompletionSession } from '../../../src/core/infer/session';
import { CompletionService } from '../../../src/extension/completions/service';
import { documentSlice, SliceSource } from '../../../src/extension/completions/slice';
import { bigramModel, smallModel } from '../../helpers/model';

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
    const fit = (s: string, after: string) => fitToLine(s, after).text;
    assert.equal(fit('foo)', ')'), 'foo');
    assert.equal(fit('foo);', ');'), 'foo');
    assert.equal(fit('x)', ')];'), 'x');
    assert.equal(fit(')', ')'), '');
    assert.equal(fit('bar', ''), 'bar');
    assert.equal(fit('one\ntwo', ')'), 'one');
    assert.equal(fit('one\ntwo', ''), 'one\ntwo');
  });

  // issue 13, kind 2: `npxInfo(keys` + `) {` before `)` gave `npxInfo(keys) {)`
  it('never leaves a closer twice: types over the closers it starts with, stops before one it does not open', () => {
    const accept = (before: string, s: string, after: string) => {
      const f = fitToLine(s, after);
      return before + f.text + after.slice(f.replace);
    };
    assert.deepEqual(fitToLine(') {', ')'), { text: ') {', replace: 1 });
    assert.equal(accept('  return await this.npxInfo(keys', ') {', ')'), '  return await this.npxInfo(keys) {');
    assert.equal(accept('f(a, [1', '], b)', '])'), 'f(a, [1], b)');
    assert.equal(accept('call(', 'x) + 1', ')'), 'call(x)', 'cut before the closer it does not open');
    assert.equal(accept('call(', 'f(x)', ')'), 'call(f(x))', 'a closer it opens itself stays');
    assert.equal(accept('call(', 'f(x), g(y)) + z', ')'), 'call(f(x), g(y))');
    assert.equal(accept('a[', 'i]] = 1', '];'), 'a[i];', 'the end that repeats what follows is dropped first');
    assert.equal(accept('x = "', 'ready", 1', '"'), 'x = "ready"', 'a quote that comes next ends the suggestion');
    assert.equal(accept('if (', 'a && b) {', ') {}'), 'if (a && b) {}');
    assert.equal(accept('x = f(1', ');', ');'), 'x = f(1);');
    assert.equal(accept('let a = b', ';', ';'), 'let a = b;');
    assert.equal(accept('a[f(', 'x]', ')]'), 'a[f(x)]', 'a closer of the wrong kind ends it too');
    assert.equal(accept('f(', 'a > b ? g(x) : y) + 1', ')'), 'f(a > b ? g(x) : y)', 'a comparison is not a bracket');
    assert.equal(accept('f(', 'x) + 1', ''), 'f(x) + 1', 'nothing right of the cursor: nothing to leave twice');
    // found by the editor test on real code: a string left open would take in the closer after the cursor
    assert.equal(accept('w[i', 'clude": ["generated/**"],', ']'), 'w[iclude": ["generated/**]');
    assert.equal(accept('f(', 'a, "b', ')'), 'f(a,)');
    // a bracket left open: the closer after the cursor would close it instead (found on real code: ` range(n) {` before `)`)
    assert.equal(accept('f(', 'g(x', ')'), 'f(g)');
    assert.equal(accept('(for execution', ' range(n) {', ')'), '(for execution range(n))');
    assert.equal(accept('f(', 'a < b', ')'), 'f(a < b)', 'a comparison opens nothing');
    assert.equal(accept('f(', '"a)", b', ')'), 'f("a)", b)', 'a closer inside a string the suggestion closes is text');
    assert.equal(accept('x = "', "don't know", '";'), 'x = "don\'t know";', 'inside a string, other quotes are text');
    assert.equal(accept('let a = b', ' + c;', ';'), 'let a = b + c;', 'an end that repeats what follows, no bracket in it');
    assert.deepEqual(fitToLine(')', ')'), { text: '', replace: 0 }, 'only what is already there');
    assert.deepEqual(fitToLine(');', ');'), { text: '', replace: 0 });
  });

  it('proposes after the cursor through the session, gated, never one character, not mid-word', () => {
    const model = sure();
    const session = new CompletionSession(model);
    assert.equal(automaticCompletion(session, 'a', 1, settings)?.text, 'bcd;');
    assert.equal(automaticCompletion(session, 'ab', 1, settings), undefined, 'mid-word');
    assert.equal(automaticCompletion(session, 'a)', 1, settings)?.text, 'bcd;', 'a closing bracket right of the cursor is fine');
    assert.equal(automaticCompletion(session, 'a', 1, { ...settings, minConfidence: 0.99 }), undefined, 'the gate');
  });

  // issue 13, kind 6: a 2-character suggestion was reported with the longer one's expected saving
  it('reports a suggestion cut by the rules with its own probability and expected saving', () => {
    const session = new CompletionSession(sure());
    const full = automaticCompletion(session, 'a', 1, settings)!;
    assert.equal(full.text, 'bcd;');
    const cut = automaticCompletion(session, 'a;', 1, settings)!;
    assert.equal(cut.text, 'bcd', 'the ; right of the cursor is not repeated');
    const p = full.full.probs;
    assert.ok(Math.abs(cut.prob - p[0] * p[1] * p[2]) < 1e-12, `${cut.prob}`);
    assert.ok(cut.prob > full.prob);
    assert.ok(Math.abs(cut.expectedSaving - cut.prob * 2) < 1e-12, `${cut.expectedSaving}`);
  });

  it('offers distinct alternatives on an explicit request, the most likely first', () => {
    const model = bigramModel(['a', 'b', 'c', 'x', 'y'], { a: { b: 0.5, x: 0.45 }, b: { c: 0.9 }, x: { y: 0.9 }, c: { a: 0.9 }, y: { a: 0.9 } });
    const out = explicitCompletions(new CompletionSession(model), 'a', 1, settings, 3, new Rng(3));
    const texts = out.map((o) => o.text);
    assert.ok(out.length >= 2 && out.length <= 3, texts.join('|'));
    assert.ok(texts[0].startsWith('bc'));
    assert.equal(new Set(texts).size, texts.length);
    assert.ok(texts.some((t) => t.startsWith('xy')), 'the sampled alternatives include the other branch');
    assert.ok(out.every((o) => o.replace === 0));
  });
});

describe('the completion service', () => {
  const doc = (text: string, offset = text.length) => ({ key: 'file:///x.js', text, base: 0, offset });

  it('keeps the same suggestion while the user types through it, without recomputing', () => {
    const service = new CompletionService();
    service.setModel(sure());
    const first = service.automatic(doc(' a'), settings);
    assert.deepEqual(first, { text: 'bcd;', replace: 0, continued: false });
    const computed = service.computed;
    assert.deepEqual(service.automatic(doc(' ab'), settings), { text: 'cd;', replace: 0, continued: true });
    assert.deepEqual(service.automatic(doc(' abc'), settings), { text: 'd;', replace: 0, continued: true });
    assert.equal(service.computed, computed, 'no recomputation while typing through');
    // typing something else computes anew
    service.automatic(doc(' abx'), settings);
    assert.equal(service.computed, computed + 1);
  });

  // issue 13, kind 1: a reused suggestion must be what a fresh request would show there
  it('types through a suggestion only at its own place, with the same text right of the cursor', () => {
    const service = new CompletionService();
    service.setModel(sure());
    assert.deepEqual(service.automatic(doc(' '), settings), { text: 'abcd;', replace: 0, continued: false });
    assert.equal(service.automatic(doc(' a'), settings)?.continued, true, 'typed through at its place');
    // the same text before the cursor on another line: made afresh, not the other line's rest
    assert.deepEqual(service.automatic(doc(' ab;\n a'), settings), { text: 'bcd;', replace: 0, continued: false });
    // a closer right of the cursor that was not there when it was made: made afresh and fitted to it
    assert.deepEqual(service.automatic(doc(' '), settings)?.text, 'abcd;');
    assert.deepEqual(service.automatic({ ...doc(' a;'), offset: 2 }, settings), { text: 'bcd', replace: 0, continued: false });
  });

  it('an auto-closed quote: the suggestion is made again with the quote right of the cursor, never doubling it', () => {
    const quoted = bigramModel([':', ' ', '"', 'r', 'e', 'a', 'd', 'y'], { ':': { ' ': 0.97 }, ' ': { '"': 0.97 }, '"': { r: 0.97 }, r: { e: 0.97 }, e: { a: 0.97 }, a: { d: 0.97 }, d: { y: 0.97 }, y: { '"': 0.97 } });
    const service = new CompletionService();
    service.setModel(quoted);
    const seven = { ...settings, maxChars: 7 };
    assert.equal(service.automatic(doc('x: '), seven)?.text, '"ready"');
    // typing " makes the editor insert the closing one: x: "|"
    const s = service.automatic({ ...doc('x: ""'), offset: 4 }, seven);
    assert.equal(s?.continued, false);
    assert.equal(s?.text, 'ready', 'Tab gives x: "ready", not x: "ready""');
  });

  it('applies changed settings at the next keystroke, even in the middle of a suggestion being typed through', () => {
    const service = new CompletionService();
    service.setModel(sure());
    assert.deepEqual(service.automatic(doc(' a'), settings), { text: 'bcd;', replace: 0, continued: false });
    // charRnn.completion.maxChars lowered to 2 while 'bcd;' is on screen: the next keystroke obeys it
    const short = service.automatic(doc(' ab'), { ...settings, maxChars: 2 });
    assert.equal(short?.continued, false, 'computed anew with the new settings');
    assert.ok(short!.text.length <= 2, `at most 2 characters: ${JSON.stringify(short!.text)}`);
    // charRnn.completion.minConfidence raised above what the model gives: nothing is shown any more
    assert.deepEqual(service.automatic(doc(' a'), settings), { text: 'bcd;', replace: 0, continued: false });
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

  // issue 13, kind 6: past ~1,000 characters the window counted the CRs, and CRLF and LF versions of a
  // file got different suggestions
  it('gives a CRLF document the suggestions of its LF version, anywhere in the file', () => {
    const lines = Array.from({ length: 160 }, (_, i) => `  const v${i} = compute(${i % 7}, "x${i % 5}");`);
    const lfText = lines.join('\n') + '\n';
    const crlfText = lines.join('\r\n') + '\r\n';
    assert.ok(lfText.length > 5000);
    const source = (text: string, crlf: boolean): SliceSource => {
      const starts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
      return {
        crlf,
        lineStart: (line) => starts[line],
        lineOf: (offset) => { let l = 0; while (l + 1 < starts.length && starts[l + 1] <= offset) l++; return l; },
        text: (a, b) => text.slice(a, b),
      };
    };
    const model = smallModel([lfText], 24, 1, 5);
    const ungated = { ...DEFAULT_COMPLETION_SETTINGS, minConfidence: 0 };
    const lfService = new CompletionService(), crlfService = new CompletionService();
    lfService.setModel(model);
    crlfService.setModel(model);
    const lfSource = source(lfText, false), crlfSource = source(crlfText, true);
    let compared = 0;
    for (const line of [0, 3, 40, 41, 77, 120, 158]) {
      for (const column of [2, 9, 14, lines[line].length]) {
        const lfAt = lfSource.lineStart(line) + column, crlfAt = crlfSource.lineStart(line) + column;
        const a = documentSlice('lf', lfSource, line, lfAt, lfSource.lineStart(line) + lines[line].length, (o) => lfService.reach(o));
        const b = documentSlice('crlf', crlfSource, line, crlfAt, crlfSource.lineStart(line) + lines[line].length, (o) => crlfService.reach(o));
        assert.equal(b.offset, a.offset, 'the cursor at the same LF offset');
        assert.ok(!b.text.includes('\r'));
        assert.ok(b.base <= crlfService.reach(b.offset), 'the slice reaches as far back as the window needs');
        assert.equal(b.text.slice(a.base - b.base), a.text, 'the same text from the LF slice\'s start');
        const state = (s: typeof a) => Array.from(new CompletionSession(model).stateAt(s.text, s.offset, s.base));
        assert.deepEqual(state(b), state(a), `the hidden state at line ${line}, column ${column}`);
        const sa = lfService.automatic(a, ungated), sb = crlfService.automatic(b, ungated);
        assert.deepEqual(sb, sa, `line ${line}, column ${column}`);
        compared += sa ? 1 : 0;
      }
    }
    assert.ok(compared >= 5, `${compared} suggestions compared`);
  });

  it('reads a CRLF document as the LF text the model was trained on', () => {
    const model = sure();
    const lf = new CompletionSession(model).stateAt('a;\na', 4);
    const crlf = new CompletionSession(model).stateAt('a;\r\na', 5);
    assert.deepEqual(Array.from(crlf), Array.from(lf));
  });
});

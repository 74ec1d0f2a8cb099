import assert from 'node:assert/strict';
import { InferenceStepper, zeroState } from '../../../src/core/model/model';
import { Rng } from '../../../src/core/model/rng';
import { CompletionSession } from '../../../src/core/infer/session';
import { bytesOf, smallModel } from '../../helpers/model';

const ALPHABET = 'abc def\n(){};=+😀';
const model = smallModel([ALPHABET], 16, 2, 3);

function randomText(rng: Rng, n: number): string {
  const chars = Array.from(ALPHABET);
  let s = '';
  for (let i = 0; i < n; i++) s += chars[rng.nextInt(chars.length)];
  return s;
}

/** A cursor never sits inside a surrogate pair. */
function isCursorPosition(text: string, offset: number): boolean {
  const c = text.charCodeAt(offset - 1);
  return !(c >= 0xd800 && c <= 0xdbff);
}

function fromScratch(text: string, offset: number, window: number): Float32Array {
  return new CompletionSession(model, { window }).stateAt(text, offset);
}

describe('completion session', () => {
  it('the state after incremental typing equals the state computed from scratch', () => {
    const rng = new Rng(1);
    const text = randomText(rng, 600);
    const session = new CompletionSession(model, { window: 80 });
    for (let offset = 0; offset <= text.length; offset++) {
      if (!isCursorPosition(text, offset)) continue;
      const incremental = session.stateAt(text, offset);
      if (offset % 7 === 0 || offset === text.length) assert.ok(bytesOf(incremental).equals(bytesOf(fromScratch(text, offset, 80))), `offset ${offset}`);
    }
  });

  it('stays equal to from-scratch after random edits: insertions, deletions, undo, edits before the cursor, two cursors', () => {
    const rng = new Rng(2);
    let text = randomText(rng, 400);
    const history: string[] = [];
    const session = new CompletionSession(model, { window: 60, snapshotEvery: 16 });
    let cursorA = 300, cursorB = 120;
    for (let i = 0; i < 300; i++) {
      const kind = rng.nextInt(6);
      history.push(text);
      if (kind === 0 || kind === 1) { // type at cursor A
        const s = randomText(rng, 1 + rng.nextInt(3));
        text = text.slice(0, cursorA) + s + text.slice(cursorA);
        cursorA += s.length;
      } else if (kind === 2 && cursorA > 0) { // backspace
        const n = Math.min(cursorA, 1 + rng.nextInt(4));
        text = text.slice(0, cursorA - n) + text.slice(cursorA);
        cursorA -= n;
      } else if (kind === 3) { // an edit somewhere before the cursor
        const at = rng.nextInt(cursorA + 1);
        text = text.slice(0, at) + randomText(rng, 2) + text.slice(at + rng.nextInt(3));
      } else if (kind === 4 && history.length > 2) { // undo
        history.pop();
        text = history.pop()!;
      } else { // the other cursor types
        const s = randomText(rng, 1);
        text = text.slice(0, cursorB) + s + text.slice(cursorB);
        cursorB += 1;
        if (cursorB <= cursorA) cursorA += 1;
      }
      cursorA = Math.min(cursorA, text.length);
      cursorB = Math.min(cursorB, text.length);
      for (const c of [cursorA, cursorB]) {
        assert.ok(bytesOf(session.stateAt(text, c)).equals(bytesOf(fromScratch(text, c, 60))), `edit ${i}, cursor ${c}`);
      }
    }
  });

  it('depends only on the window: text before the anchor does not matter', () => {
    const rng = new Rng(3);
    const tail = randomText(rng, 300);
    const a = 'x'.repeat(500) + '\n' + tail, b = 'y'.repeat(700) + '\n' + tail;
    const sa = new CompletionSession(model, { window: 100 }).stateAt(a, a.length);
    const sb = new CompletionSession(model, { window: 100 }).stateAt(b, b.length);
    assert.ok(bytesOf(sa).equals(bytesOf(sb)));
  });

  it('starts its window at a line start, W to W + W/4 characters back', () => {
    const session = new CompletionSession(model, { window: 100 });
    const text = ('0123456789'.repeat(3) + '\n').repeat(30); // lines of 31
    for (const offset of [150, 380, 555, text.length]) {
      const anchor = session.anchorOf(text, offset);
      assert.ok(anchor === 0 || text[anchor - 1] === '\n', `anchor ${anchor} is a line start`);
      assert.ok(offset - anchor >= 100 - 31 || anchor === 0, `window ${offset - anchor} at ${offset}`);
      assert.ok(offset - anchor <= 100 + 25 + 31, `window ${offset - anchor} at ${offset}`);
    }
    const oneLine = 'z'.repeat(1000);
    assert.equal(session.anchorOf(oneLine, 1000), 1000 - 100); // no line start: the bound itself
  });

  it('costs one step per typed character, plus a bounded look-ahead', () => {
    const text = randomText(new Rng(4), 5000);
    const session = new CompletionSession(model, { window: 1000 });
    session.stateAt(text, 3000);
    const before = session.stepsComputed;
    for (let offset = 3001; offset <= 3500; offset++) if (isCursorPosition(text, offset)) session.stateAt(text, offset);
    const perKeystroke = (session.stepsComputed - before) / 500;
    assert.ok(perKeystroke <= 1 + 8, `${perKeystroke} steps per keystroke`);
    // and no burst when the cursor crosses into a new block: every call stays far below the window
    let worst = 0;
    for (let offset = 3501; offset <= 4000; offset++) {
      if (!isCursorPosition(text, offset)) continue;
      const s0 = session.stepsComputed;
      session.stateAt(text, offset);
      worst = Math.max(worst, session.stepsComputed - s0);
    }
    assert.ok(worst <= 9 + 1, `worst call computed ${worst} steps`);
  });

  it('reads an emoji as one symbol', () => {
    const text = 'a😀b';
    const v = model.vocab;
    const ids = [v.idOfCodePoint(97), v.idOfCodePoint(0x1f600), v.idOfCodePoint(98)];
    assert.equal(v.encode(text).length, 3);
    assert.notEqual(ids[1], 0, 'the emoji is in the vocabulary');
    const state = zeroState(model.config);
    const stepper = new InferenceStepper(model);
    for (const id of ids) stepper.step(state, [id], false);
    assert.ok(bytesOf(new CompletionSession(model).stateAt(text, text.length)).equals(bytesOf(state)));
  });

  it('reads CRLF as LF and a lone CR as LF, typed one character at a time or at once', () => {
    for (const text of ['a\r\nb', 'a\rb', 'ab\r\ncd\re', 'x\r']) {
      const session = new CompletionSession(model);
      for (let offset = 0; offset <= text.length; offset++) {
        const typed = bytesOf(session.stateAt(text, offset));
        assert.ok(typed.equals(bytesOf(new CompletionSession(model).stateAt(text, offset))), `${JSON.stringify(text)} at ${offset}`);
      }
    }
    const lf = new CompletionSession(model).stateAt('a\nb', 3);
    assert.ok(bytesOf(new CompletionSession(model).stateAt('a\r\nb', 4)).equals(bytesOf(lf)));
    assert.ok(bytesOf(new CompletionSession(model).stateAt('a\rb', 3)).equals(bytesOf(lf)));
  });

  it('refuses an offset outside the text', () => {
    assert.throws(() => new CompletionSession(model).stateAt('abc', 4), /offset 4 is outside the text/);
  });
});

import assert from 'node:assert/strict';
import { CachedCharNGram, CharNGram, Distribution } from '../../../src/core/eval/baselines';
import { Proposer, simulateTyping } from '../../../src/core/eval/simulated-user';

const TRAINING = [
  `function add(a, b) {\n  return a + b;\n}\n\nfunction map(list, f) {\n  const out = [];\n  for (const x of list) out.push(f(x));\n  return out;\n}\n`,
  `export class Counter {\n  private count = 0;\n  increment(): number {\n    this.count++;\n    return this.count;\n  }\n}\n`,
  `const values = map([1, 2, 3], (x) => add(x, 1));\nconsole.log(values);\nfor (const value of values) console.log(value);\n`,
];

// a rare identifier the training text never holds, used by both texts of the session
const SESSION = [
  `function setup(widget) {\n  const w = frobnicateWidgetz(widget);\n  return w;\n}\n`,
  `function update(widget) {\n  frobnicateWidgetz(widget);\n  const z = frobnicateWidgetz(other);\n  return z;\n}\n`,
];

function total(d: Distribution): number {
  let sum = d.unknown;
  for (const p of d.p.values()) sum += p;
  return sum;
}

describe('character n-gram with a cache', () => {
  const ngram = new CharNGram(TRAINING);
  const histories = ['', 'c', 'con', 'function', '  const w = frob', 'zzzz', 'héλ'].map((h) => Array.from(h));

  it('has normalised distributions, before and after caching text, and matching single probabilities', () => {
    const check = (model: CharNGram | CachedCharNGram) => {
      for (const h of histories) {
        const d = model.fullDistribution(h);
        assert.ok(Math.abs(total(d) - 1) < 1e-9, `sum ${total(d)} after '${h.join('')}'`);
        for (const [c, p] of d.p) assert.ok(Math.abs(model.probability(h, c) - p) < 1e-12, `P(${c}) after '${h.join('')}'`);
        // a character neither model has seen gets the unknown's probability
        assert.ok(Math.abs(model.probability(h, '\u{1F600}') - d.unknown) < 1e-12);
        assert.ok(d.unknown > 0);
      }
    };
    check(ngram);
    const cached = new CachedCharNGram(ngram);
    check(cached);
    // text with characters outside the static alphabet (é, λ) enters the cache's alphabet
    cached.bitsPerChar(['héλlo wörld\nconst w = frobnicateWidgetz(λ);\n']);
    assert.ok(cached.cachedChars > 0);
    check(cached);
    for (const c of 'éλö') assert.ok(cached.fullDistribution([]).p.has(c));
    assert.ok(!ngram.fullDistribution([]).p.has('λ'));
  });

  it('learns a rare identifier from the session: more keystrokes saved and fewer bits on the next text', () => {
    // the keystrokes of the second text: the session typing both, less the one typing the first only
    const secondText = (make: () => (text: string) => Proposer) =>
      simulateTyping(SESSION, make()).keystrokes - simulateTyping(SESSION.slice(0, 1), make()).keystrokes;
    const staticKeys = simulateTyping(SESSION.slice(1), () => ngram.proposer()).keystrokes;
    const cachedKeys = secondText(() => new CachedCharNGram(ngram).proposerFor());
    assert.ok(cachedKeys < staticKeys, `cached ${cachedKeys} vs static ${staticKeys} keystrokes`);
    // without the cache's weight the mixture is the static model: same keystrokes
    assert.equal(secondText(() => new CachedCharNGram(ngram, { lambda: 0 }).proposerFor()), staticKeys);

    const cached = new CachedCharNGram(ngram);
    cached.bitsPerChar(SESSION.slice(0, 1)); // the session so far
    const staticBits = ngram.bitsPerChar(SESSION.slice(1));
    const cachedBits = cached.bitsPerChar(SESSION.slice(1));
    assert.equal(cachedBits.chars, staticBits.chars);
    assert.ok(cachedBits.bitsPerChar < staticBits.bitsPerChar, `cached ${cachedBits.bitsPerChar} vs static ${staticBits.bitsPerChar} bits/char`);
    const none = new CachedCharNGram(ngram, { lambda: 0 });
    none.bitsPerChar(SESSION.slice(0, 1));
    // (no better than the static model: the characters seen only in the session share its unknown mass)
    assert.ok(none.bitsPerChar(SESSION.slice(1)).bitsPerChar >= staticBits.bitsPerChar - 1e-12);
  });

  it('counts each character of a text once, however often it is asked at an offset', () => {
    const text = SESSION[0];
    const once = new CachedCharNGram(ngram);
    const many = new CachedCharNGram(ngram);
    const p1 = once.proposerFor()(text);
    const p2 = many.proposerFor()(text);
    for (const offset of [0, 5, 12, 30]) {
      const a = p1(text, offset);
      for (let r = 0; r < 3; r++) assert.equal(p2(text, offset), a);
      assert.equal(many.cachedChars, offset);
      assert.equal(once.cachedChars, offset);
    }
    // going back counts nothing until the counted point is passed again
    p2(text, 10);
    assert.equal(many.cachedChars, 30);
    p2(text, 31);
    assert.equal(many.cachedChars, 31);
    // a new text keeps the counts and finishes the previous one (typed to its end)
    many.proposerFor()(SESSION[1])(SESSION[1], 4);
    assert.equal(many.cachedChars, text.length + 4);

    // counted piecewise while typing = counted in one go: same distributions
    const typed = new CachedCharNGram(ngram);
    simulateTyping(SESSION, typed.proposerFor());
    typed.proposerFor()(''); // finishes the last text
    const read = new CachedCharNGram(ngram);
    read.bitsPerChar(SESSION);
    assert.equal(typed.cachedChars, SESSION.join('').length);
    assert.equal(read.cachedChars, typed.cachedChars);
    for (const h of histories) assert.deepEqual(typed.fullDistribution(h), read.fullDistribution(h));
  });

  it('behaves like a fresh model after reset', () => {
    const used = new CachedCharNGram(ngram);
    simulateTyping(SESSION, used.proposerFor());
    used.bitsPerChar(SESSION);
    assert.ok(used.cachedChars > 0);
    used.reset();
    assert.equal(used.cachedChars, 0);
    const fresh = new CachedCharNGram(ngram);
    const a = simulateTyping(SESSION, used.proposerFor(40, 0.1));
    const b = simulateTyping(SESSION, fresh.proposerFor(40, 0.1));
    assert.deepEqual(a, b);
    used.reset();
    fresh.reset();
    const text = SESSION[1];
    const pu = used.proposerFor()(text), pf = fresh.proposerFor()(text);
    for (let i = 0; i < text.length; i++) assert.equal(pu(text, i), pf(text, i));
    // an empty cache leaves the static model as it is
    const empty = new CachedCharNGram(ngram);
    for (const h of histories) assert.deepEqual(empty.fullDistribution(h), ngram.fullDistribution(h));
    assert.equal(empty.propose(TRAINING[0], 0), ngram.propose(TRAINING[0], 0));
  });

  it('gives the static model few bits per character on its training text, and finite ones on unseen characters', () => {
    const r = ngram.bitsPerChar(TRAINING);
    assert.equal(r.chars, TRAINING.reduce((s, t) => s + Array.from(t).length - 1, 0));
    const uniform = Math.log2(ngram.alphabet.length);
    assert.ok(r.bitsPerChar < 0.5 * uniform, `${r.bitsPerChar} vs log2 ${ngram.alphabet.length} = ${uniform}`);
    assert.equal(ngram.bitsPerChar(TRAINING, 10).chars, 10);
    for (const model of [ngram, new CachedCharNGram(ngram)]) {
      const odd = model.bitsPerChar(['aé€\u{1F600}λ', 'x', '']);
      assert.equal(odd.chars, 4);
      assert.ok(Number.isFinite(odd.bitsPerChar) && odd.bitsPerChar > 0);
    }
  });
});

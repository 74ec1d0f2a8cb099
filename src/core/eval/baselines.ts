/**
 * Baselines the RNN's completions are measured against, through the same simulated user:
 *
 * - word completion: inside a word, the rest of the most frequent training word that extends what is
 *   typed (what a plain editor's word-based suggestions give);
 * - a character n-gram (order 6 by default, interpolated Witten-Bell smoothing) whose greedy
 *   continuation is cut by the same expected-saving rule as the RNN's proposals;
 * - the same n-gram mixed with a cache: an n-gram of the text typed so far in the session (Kuhn &
 *   De Mori's cache language model), the n-gram counterpart of the RNN's dynamic evaluation.
 */
import { Proposer } from './simulated-user';
import { bestCut } from '../infer/proposal';

const WORD = /[A-Za-z_$][\w$]*/g;
const WORD_CHAR = /[\w$]/;

/** Word completion from the words of the training texts. */
export class WordCompleter {
  /** words by prefix are found by scanning a frequency-sorted list: fine for an evaluation */
  private readonly byFirstChar = new Map<string, { word: string; count: number }[]>();

  constructor(texts: Iterable<string>, minLength = 3) {
    const counts = new Map<string, number>();
    for (const text of texts) for (const m of text.matchAll(WORD)) if (m[0].length >= minLength) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    for (const [word, count] of counts) {
      const list = this.byFirstChar.get(word[0]) ?? [];
      list.push({ word, count });
      this.byFirstChar.set(word[0], list);
    }
    for (const list of this.byFirstChar.values()) list.sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : 1));
  }

  /** The rest of the most frequent word extending the word being typed at `offset`, if any. */
  complete(text: string, offset: number): string | undefined {
    let start = offset;
    while (start > 0 && WORD_CHAR.test(text[start - 1])) start--;
    if (start === offset) return undefined; // not inside a word
    const typed = text.slice(start, offset);
    if (!/^[A-Za-z_$]/.test(typed)) return undefined;
    for (const { word } of this.byFirstChar.get(typed[0]) ?? []) {
      if (word.length > typed.length + 1 && word.startsWith(typed)) return word.slice(typed.length);
    }
    return undefined;
  }

  proposer(): Proposer {
    return (text, offset) => this.complete(text, offset);
  }
}

interface Counts {
  total: number;
  next: Map<string, number>;
}

/**
 * A next-character distribution over an alphabet plus one more outcome, "a character outside the
 * alphabet": `p` and `unknown` sum to 1.
 */
export interface Distribution {
  /** P(c) for every character c of the alphabet */
  p: Map<string, number>;
  /** the probability kept for characters outside the alphabet, all of them together */
  unknown: number;
}

/**
 * N-gram counts: the counts after each context of n characters (n = 0 .. order - 1), and their
 * interpolated Witten-Bell estimate. The floor of the interpolation is uniform over the alphabet given
 * plus one "unknown" symbol, so the estimate is normalised over the alphabet and the unknown.
 */
class NGramCounts {
  /** contexts[n]: the counts after each context of n characters */
  private readonly contexts: Map<string, Counts>[];
  /** characters counted */
  size = 0;

  constructor(readonly order: number) {
    this.contexts = Array.from({ length: order }, () => new Map<string, Counts>());
  }

  /** Counts `c` after each suffix (up to order - 1 characters) of `chars[0 .. end)`. */
  add(chars: readonly string[], end: number, c: string): void {
    let ctx = '';
    for (let n = 0; n < this.order && n <= end; n++) {
      if (n > 0) ctx = chars[end - n] + ctx;
      let counts = this.contexts[n].get(ctx);
      if (!counts) this.contexts[n].set(ctx, (counts = { total: 0, next: new Map() }));
      counts.total++;
      counts.next.set(c, (counts.next.get(c) ?? 0) + 1);
    }
    this.size++;
  }

  /** The counts after the last n characters of `history`, if that context was seen. */
  private countsAfter(history: readonly string[], n: number): Counts | undefined {
    return n <= history.length ? this.contexts[n].get(n === 0 ? '' : history.slice(history.length - n).join('')) : undefined;
  }

  /**
   * P(c | the last order - 1 characters of `history`) for every c of `alphabet`, which must hold every
   * character counted.
   */
  distribution(history: readonly string[], alphabet: readonly string[]): Distribution {
    let unknown = 1 / (alphabet.length + 1);
    let p = new Map<string, number>(alphabet.map((c) => [c, unknown]));
    for (let n = 0; n < this.order; n++) {
      const counts = this.countsAfter(history, n);
      if (!counts) break; // longer contexts are unseen too
      const distinct = counts.next.size;
      const denom = counts.total + distinct;
      const next = new Map<string, number>();
      for (const [c, lower] of p) next.set(c, ((counts.next.get(c) ?? 0) + distinct * lower) / denom);
      p = next;
      unknown = (distinct * unknown) / denom;
    }
    return { p, unknown };
  }

  /**
   * P(c | the last order - 1 characters of `history`) in the distribution over an alphabet of
   * `alphabetSize` characters: for a character never counted, the floor (the unknown's probability).
   */
  probability(history: readonly string[], c: string, alphabetSize: number): number {
    let p = 1 / (alphabetSize + 1);
    for (let n = 0; n < this.order; n++) {
      const counts = this.countsAfter(history, n);
      if (!counts) break;
      const distinct = counts.next.size;
      p = ((counts.next.get(c) ?? 0) + distinct * p) / (counts.total + distinct);
    }
    return p;
  }
}

/** The characters (code points) to predict from at `offset`: the end of the line so far, and a little before. */
function proposalHistory(text: string, offset: number, order: number): string[] {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return Array.from(text.slice(Math.max(0, offset - 4 * order, lineStart - order), offset));
}

/**
 * The greedy continuation of `history` under `distribution` (up to the end of the line, at most
 * `maxChars`) cut where P(first k) x (k - 1) is largest among k >= 2 with P(first k) >=
 * `minConfidence`; it stops as soon as no longer cut can win. Extends `history`.
 */
function greedyProposal(history: string[], distribution: (history: readonly string[]) => Distribution, maxChars: number, minConfidence: number): string | undefined {
  let prob = 1, best = 0;
  const out: string[] = [];
  const probs: number[] = [];
  for (let k = 1; k <= maxChars; k++) {
    let top = '', topP = -1;
    for (const [c, p] of distribution(history).p) if (p > topP) { top = c; topP = p; }
    if (top === '\n' || top === '') break;
    prob *= topP;
    out.push(top);
    probs.push(topP);
    history.push(top);
    if (k >= 2 && prob >= minConfidence) best = Math.max(best, prob * (k - 1));
    if (prob < minConfidence || prob * (maxChars - 1) <= best) break; // no longer cut can do better
  }
  const { k } = bestCut(probs, minConfidence);
  return k >= 2 ? out.slice(0, k).join('') : undefined;
}

/**
 * Bits per character of `probability` over the texts: each character (code point) but the first of
 * each text is predicted from the ones before it in its text, at most `maxChars` predictions (texts are
 * taken in order and the last one cut). `seen(chars, i)` is told every character read, predicted or not,
 * after its prediction.
 */
function textsBitsPerChar(
  texts: readonly string[],
  maxChars: number,
  probability: (chars: string[], i: number) => number,
  seen?: (chars: string[], i: number) => void,
): { bitsPerChar: number; chars: number } {
  let budget = maxChars, nats = 0, chars = 0;
  for (const text of texts) {
    if (budget <= 0) break;
    const all = Array.from(text);
    if (all.length < 2) continue;
    const last = Math.min(all.length - 1, budget); // predict all[1 .. last]
    for (let i = 0; i <= last; i++) {
      if (i > 0) {
        nats -= Math.log(probability(all, i));
        chars++;
      }
      seen?.(all, i);
    }
    budget -= last;
  }
  return { bitsPerChar: chars > 0 ? nats / chars / Math.LN2 : NaN, chars };
}

/** A character n-gram language model with interpolated Witten-Bell smoothing. */
export class CharNGram {
  readonly order: number;
  /** the characters of the training texts, sorted */
  readonly alphabet: readonly string[];
  private readonly counts: NGramCounts;
  private readonly known: Set<string>;

  /**
   * Counts every n-gram of the texts up to `order`, reading at most `maxChars` characters (memory
   * grows with the distinct contexts).
   */
  constructor(texts: Iterable<string>, order = 6, maxChars = 4_000_000) {
    this.order = order;
    this.counts = new NGramCounts(order);
    let budget = maxChars;
    const alphabet = new Set<string>();
    for (const full of texts) {
      if (budget <= 0) break;
      const chars = Array.from(full.length > budget ? full.slice(0, budget) : full);
      budget -= chars.length;
      for (let i = 0; i < chars.length; i++) {
        alphabet.add(chars[i]);
        this.counts.add(chars, i, chars[i]);
      }
    }
    this.alphabet = [...alphabet].sort();
    this.known = alphabet;
  }

  /** Whether `c` is in the alphabet. */
  has(c: string): boolean {
    return this.known.has(c);
  }

  /** The distribution over the alphabet and the unknown (characters outside the alphabet): it sums to 1. */
  fullDistribution(history: readonly string[]): Distribution {
    return this.counts.distribution(history, this.alphabet);
  }

  /** P(c | the last order - 1 characters of `history`); for a character outside the alphabet, the unknown's. */
  probability(history: readonly string[], c: string): number {
    return this.counts.probability(history, c, this.alphabet.length);
  }

  /**
   * The proposal at `offset`: the greedy continuation (up to the end of the line, at most `maxChars`)
   * cut where P(first k) x (k - 1) is largest; nothing below `minConfidence`.
   */
  propose(text: string, offset: number, maxChars = 40, minConfidence = 0): string | undefined {
    return greedyProposal(proposalHistory(text, offset, this.order), (h) => this.fullDistribution(h), maxChars, minConfidence);
  }

  proposer(maxChars = 40, minConfidence = 0): Proposer {
    return (text, offset) => this.propose(text, offset, maxChars, minConfidence);
  }

  /**
   * Bits per character over the texts, each character but the first of each text predicted from the
   * ones before it in its text (as the RNN's bits per character reads each file from the zero state), at
   * most `maxChars` predictions.
   */
  bitsPerChar(texts: readonly string[], maxChars = Infinity): { bitsPerChar: number; chars: number } {
    return textsBitsPerChar(texts, maxChars, (chars, i) => this.probability(chars.slice(Math.max(0, i - this.order + 1), i), chars[i]));
  }
}

export interface CacheOptions {
  /** the cache's largest weight in the mixture (default 0.3) */
  lambda?: number;
  /** the cache's weight reaches half of `lambda` when it has counted this many characters (default 20) */
  k?: number;
}

/**
 * A character n-gram with a cache (Kuhn & De Mori): a static `CharNGram`, unchanged, mixed with an
 * n-gram of the same order and smoothing counted from the text typed so far in the session (the texts
 * typed before, and the current one up to the cursor):
 *
 *   P(c | h) = (1 - lambda_N) P_static(c | h) + lambda_N P_cache(c | h),
 *   lambda_N = lambda x N / (N + k)   (lambda = 0.3, k = 20 by default),
 *
 * where N is the number of characters in the cache: an empty cache leaves the static model as it is,
 * and the weight is lambda once the cache holds a few lines. (A weight growing with the cache's count of
 * the context h instead did worse on this repository's code, in bits and keystrokes: the cache's
 * shorter contexts help where it has not seen the longest.) The cache's uniform floor is over the
 * static alphabet plus the characters seen only in the cache; the static model's unknown mass is shared
 * equally between those characters and the unknown, so the mixture is normalised.
 *
 * Counting is incremental: proposing at an offset of the current text first counts the characters
 * between the last counted offset and it, once (the simulated user only appends; an offset that goes
 * back counts nothing until it passes the counted point again). A new text, as `proposerFor` starts
 * one, keeps the counts of the texts before it.
 */
export class CachedCharNGram {
  readonly order: number;
  readonly lambda: number;
  readonly k: number;
  private cache: NGramCounts;
  /** characters seen in the cache outside the static alphabet, in order of appearance */
  private extra: string[] = [];
  private extraSet = new Set<string>();
  /** the text being typed and the offset up to which it has been counted */
  private current: { text: string; counted: number } | undefined;

  constructor(readonly model: CharNGram, opts: CacheOptions = {}) {
    this.order = model.order;
    this.lambda = opts.lambda ?? 0.3;
    this.k = opts.k ?? 20;
    this.cache = new NGramCounts(this.order);
  }

  /** Characters counted in the cache. */
  get cachedChars(): number {
    return this.cache.size;
  }

  /** Empties the cache. */
  reset(): void {
    this.cache = new NGramCounts(this.order);
    this.extra = [];
    this.extraSet = new Set();
    this.current = undefined;
  }

  /**
   * Counts the characters of `text` before `offset` not counted yet. A text other than the current one
   * starts a new text, counted from its beginning.
   */
  observe(text: string, offset: number): void {
    if (!this.current || this.current.text !== text) this.current = { text, counted: 0 };
    let end = Math.min(offset, text.length);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code < 0xdc00) end--; // not half a surrogate pair
    const from = this.current.counted;
    if (end <= from) return;
    const before = Array.from(text.slice(Math.max(0, from - 2 * this.order), from)).slice(-(this.order - 1));
    const chars = [...before, ...Array.from(text.slice(from, end))];
    for (let i = before.length; i < chars.length; i++) this.count(chars, i);
    this.current.counted = end;
  }

  /** Adds chars[i] after the characters before it to the cache. */
  private count(chars: readonly string[], i: number): void {
    const c = chars[i];
    if (!this.model.has(c) && !this.extraSet.has(c)) {
      this.extra.push(c);
      this.extraSet.add(c);
    }
    this.cache.add(chars, i, c);
  }

  /** The cache's weight in the mixture now. */
  private weight(): number {
    const n = this.cache.size;
    return n === 0 ? 0 : (this.lambda * n) / (n + this.k);
  }

  /**
   * The mixture's distribution after `history` over the static alphabet, then the characters seen only
   * in the cache, and the unknown: it sums to 1.
   */
  fullDistribution(history: readonly string[]): Distribution {
    const s = this.model.fullDistribution(history);
    const alphabet = this.extra.length > 0 ? [...this.model.alphabet, ...this.extra] : this.model.alphabet;
    const lambda = this.weight();
    if (lambda === 0) {
      if (this.extra.length === 0) return s;
      const share = s.unknown / (this.extra.length + 1);
      for (const c of this.extra) s.p.set(c, share);
      return { p: s.p, unknown: share };
    }
    const c = this.cache.distribution(history, alphabet);
    const share = s.unknown / (this.extra.length + 1);
    const p = new Map<string, number>();
    for (const [ch, pc] of c.p) p.set(ch, (1 - lambda) * (s.p.get(ch) ?? share) + lambda * pc);
    return { p, unknown: (1 - lambda) * share + lambda * c.unknown };
  }

  /** P(c | the last order - 1 characters of `history`); for a character never seen, the unknown's. */
  probability(history: readonly string[], c: string): number {
    const known = this.model.has(c);
    const ps = this.model.probability(history, c) / (known ? 1 : this.extra.length + 1);
    const lambda = this.weight();
    if (lambda === 0) return ps;
    return (1 - lambda) * ps + lambda * this.cache.probability(history, c, this.model.alphabet.length + this.extra.length);
  }

  /**
   * Counts `text` up to `offset` (see `observe`), then proposes as `CharNGram.propose` does, from the
   * mixture.
   */
  propose(text: string, offset: number, maxChars = 40, minConfidence = 0): string | undefined {
    this.observe(text, offset);
    return greedyProposal(proposalHistory(text, offset, this.order), (h) => this.fullDistribution(h), maxChars, minConfidence);
  }

  /**
   * Proposers for `simulateTyping`, one per text, sharing this cache: starting a text counts the rest of
   * the previous one (the simulated user typed it to its end).
   */
  proposerFor(maxChars = 40, minConfidence = 0): (text: string) => Proposer {
    return (text) => {
      if (this.current) this.observe(this.current.text, this.current.text.length);
      this.current = { text, counted: 0 };
      return (t, offset) => this.propose(t, offset, maxChars, minConfidence);
    };
  }

  /**
   * Bits per character over the texts as `CharNGram.bitsPerChar` reads them, online: each character is
   * predicted, then added to the cache. The cache carries over from the session so far (`reset` first
   * for a fresh one) and keeps the texts read.
   */
  bitsPerChar(texts: readonly string[], maxChars = Infinity): { bitsPerChar: number; chars: number } {
    this.current = undefined;
    return textsBitsPerChar(
      texts,
      maxChars,
      (chars, i) => this.probability(chars.slice(Math.max(0, i - this.order + 1), i), chars[i]),
      (chars, i) => this.count(chars, i),
    );
  }
}

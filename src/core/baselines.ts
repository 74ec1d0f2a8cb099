/**
 * Baselines the RNN's completions are measured against, through the same simulated user:
 *
 * - word completion: inside a word, the rest of the most frequent training word that extends what is
 *   typed (what a plain editor's word-based suggestions give);
 * - a character n-gram (order 6 by default, interpolated Witten-Bell smoothing) whose greedy
 *   continuation is cut by the same expected-saving rule as the RNN's proposals.
 */
import { Proposer } from './evaluate';

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

/** A character n-gram language model with interpolated Witten-Bell smoothing. */
export class CharNGram {
  readonly order: number;
  /** contexts[n]: the counts after each context of n characters (n = 0 .. order - 1) */
  private readonly contexts: Map<string, Counts>[];
  private readonly alphabet: string[];

  /**
   * Counts every n-gram of the texts up to `order`, reading at most `maxChars` characters (memory
   * grows with the distinct contexts).
   */
  constructor(texts: Iterable<string>, order = 6, maxChars = 4_000_000) {
    this.order = order;
    this.contexts = Array.from({ length: order }, () => new Map<string, Counts>());
    let budget = maxChars;
    const alphabet = new Set<string>();
    for (const full of texts) {
      if (budget <= 0) break;
      const chars = Array.from(full.length > budget ? full.slice(0, budget) : full);
      budget -= chars.length;
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i];
        alphabet.add(c);
        for (let n = 0; n < order && n <= i; n++) {
          const ctx = n === 0 ? '' : chars.slice(i - n, i).join('');
          let counts = this.contexts[n].get(ctx);
          if (!counts) this.contexts[n].set(ctx, (counts = { total: 0, next: new Map() }));
          counts.total++;
          counts.next.set(c, (counts.next.get(c) ?? 0) + 1);
        }
      }
    }
    this.alphabet = [...alphabet].sort();
  }

  /** P(c | the last order - 1 characters of `history`), for every character of the alphabet. */
  distribution(history: string[]): Map<string, number> {
    const uniform = 1 / Math.max(1, this.alphabet.length + 1);
    let p = new Map<string, number>(this.alphabet.map((c) => [c, uniform]));
    for (let n = 0; n < this.order && n <= history.length; n++) {
      const counts = this.contexts[n].get(history.slice(history.length - n).join(''));
      if (!counts) break; // longer contexts are unseen too
      const distinct = counts.next.size;
      const denom = counts.total + distinct;
      const next = new Map<string, number>();
      for (const [c, lower] of p) next.set(c, ((counts.next.get(c) ?? 0) + distinct * lower) / denom);
      p = next;
    }
    return p;
  }

  /**
   * The proposal at `offset`: the greedy continuation (up to the end of the line, at most `maxChars`)
   * cut where P(first k) x (k - 1) is largest; nothing below `minConfidence`.
   */
  propose(text: string, offset: number, maxChars = 40, minConfidence = 0): string | undefined {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    const history = Array.from(text.slice(Math.max(0, offset - 4 * this.order, lineStart - this.order), offset));
    let prob = 1, best = 0, bestK = 0;
    const out: string[] = [];
    for (let k = 1; k <= maxChars; k++) {
      let top = '', topP = -1;
      for (const [c, p] of this.distribution(history)) if (p > topP) { top = c; topP = p; }
      if (top === '\n' || top === '') break;
      prob *= topP;
      out.push(top);
      history.push(top);
      if (k >= 2 && prob >= minConfidence && prob * (k - 1) > best) { best = prob * (k - 1); bestK = k; }
      if (prob < minConfidence || prob * (maxChars - 1) <= best) break;
    }
    return bestK >= 2 ? out.slice(0, bestK).join('') : undefined;
  }

  proposer(maxChars = 40, minConfidence = 0): Proposer {
    return (text, offset) => this.propose(text, offset, maxChars, minConfidence);
  }
}

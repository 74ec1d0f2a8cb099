/**
 * The vocabulary: Unicode code points (an emoji is one symbol, not two UTF-16 halves), the most frequent
 * ones of the training corpus, plus one unknown symbol at index 0 that every unseen character maps to.
 * Stored in a checkpoint as a JSON array of strings in index order, the unknown symbol being ''.
 */
export const UNKNOWN = 0;
export const DEFAULT_VOCAB_CAP = 256;

/** Token ids of a text: one byte each while the vocabulary fits, two bytes above 256 symbols. */
export type TokenArray = Uint8Array | Uint16Array;

export class Vocab {
  /** symbols[i] is the character of id i; symbols[0] === '' is the unknown symbol. */
  readonly symbols: readonly string[];
  private readonly bmp: Int32Array; // (65536) code point -> id, -1 when absent
  private readonly astral = new Map<number, number>();

  constructor(symbols: readonly string[]) {
    if (symbols.length < 2) throw new Error(`a vocabulary needs at least 2 symbols, got ${symbols.length}`);
    if (symbols.length > 65536) throw new Error(`a vocabulary has at most 65536 symbols, got ${symbols.length}`);
    if (symbols[0] !== '') throw new Error(`the vocabulary's first symbol must be the unknown symbol '', got ${JSON.stringify(symbols[0])}`);
    this.symbols = symbols;
    this.bmp = new Int32Array(65536).fill(-1);
    for (let i = 1; i < symbols.length; i++) {
      const s = symbols[i];
      const cp = s.codePointAt(0);
      if (cp === undefined || String.fromCodePoint(cp) !== s) {
        throw new Error(`vocabulary entry ${i} must be exactly one code point, got ${JSON.stringify(s)}`);
      }
      if (this.idOfCodePoint(cp) !== UNKNOWN) throw new Error(`vocabulary entry ${i} (${JSON.stringify(s)}) is a duplicate`);
      if (cp < 65536) this.bmp[cp] = i; else this.astral.set(cp, i);
    }
  }

  get size(): number {
    return this.symbols.length;
  }

  /** Whether `other` has the same symbols in the same order (ids mean the same characters). */
  sameAs(other: Vocab): boolean {
    return this.symbols.length === other.symbols.length && this.symbols.every((s, i) => s === other.symbols[i]);
  }

  /**
   * The vocabulary of a corpus: the `cap - 1` most frequent code points (ties broken by code point, so
   * the result is deterministic) after the unknown symbol.
   */
  static build(texts: Iterable<string>, cap = DEFAULT_VOCAB_CAP): Vocab {
    if (!Number.isInteger(cap) || cap < 2 || cap > 65536) throw new Error(`vocabulary cap must be an integer from 2 to 65536, got ${cap}`);
    const counts = new Map<number, number>();
    const bmpCounts = new Float64Array(65536);
    for (const text of texts) {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
          const cp = text.codePointAt(i)!;
          if (cp > 0xffff) {
            counts.set(cp, (counts.get(cp) ?? 0) + 1);
            i++;
            continue;
          }
        }
        bmpCounts[c]++;
      }
    }
    for (let c = 0; c < 65536; c++) if (bmpCounts[c] > 0) counts.set(c, bmpCounts[c]);
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, cap - 1);
    const symbols = [''];
    for (const [cp] of ranked) symbols.push(String.fromCodePoint(cp));
    if (symbols.length < 2) symbols.push('\n'); // an empty corpus still gives a usable 2-symbol vocabulary
    return new Vocab(symbols);
  }

  idOfCodePoint(cp: number): number {
    if (cp < 65536) {
      const id = this.bmp[cp];
      return id < 0 ? UNKNOWN : id;
    }
    return this.astral.get(cp) ?? UNKNOWN;
  }

  /** The ids of a text, one per code point. */
  encode(text: string): TokenArray {
    const ids = this.size <= 256 ? new Uint8Array(text.length) : new Uint16Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
        const full = text.codePointAt(i)!;
        if (full > 0xffff) { cp = full; i++; }
      }
      ids[n++] = this.idOfCodePoint(cp);
    }
    return ids.subarray(0, n);
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += this.symbols[ids[i]] ?? '';
    return s;
  }

  /** The text a symbol stands for when shown: the unknown symbol shows as U+FFFD. */
  display(id: number): string {
    return id === UNKNOWN ? '\ufffd' : this.symbols[id];
  }
}

/**
 * The cache (Kuhn & De Mori 1990): character n-gram counts of the text read and typed in this window,
 * orders 0 .. N, kept in hash tables of typed arrays so that a keystroke costs N + 1 probes and the
 * memory is a few bytes per context.
 *
 *   contexts:  open addressing, (C) keys (the context's 32-bit hash, 0 = empty) and (C) heads (its first
 *              count node)
 *   nodes:     (M) next symbol, (M) count, (M) next node of the same context
 *
 * The context of order n at position t is the n symbols x[t-n+1 .. t]; orders that reach back before
 * the start of a text read those positions as padding, as the direct connections do. Two contexts
 * whose 32-bit hashes collide share their counts (rare; it only blurs the cache).
 *
 * Its memory is capped (`maxMB`): past the cap it is rebuilt from the most recent half of the text
 * counted (kept in a ring of symbol ids for that). About 160 bytes a character at 12 orders.
 *
 * Its distribution is the interpolated Witten-Bell estimate of Moffat's PPM method C, computed from a
 * base distribution upward (the neural model's, in the mixture of cache-mixture.ts):
 *
 *   p_n(c) = (count_n(c) + beta d_n p_{n-1}(c)) / (total_n + beta d_n)
 *
 * for each order n from `minOrder` to N whose context was seen (d_n: distinct symbols after it), so an
 * unseen context leaves the base distribution as it is.
 */
import { PAD } from '../model/direct-connections';

export interface CacheConfig {
  /** N: the longest context, in symbols */
  orders: number;
  /** the most megabytes the tables and the ring take; past it the cache keeps the most recent half */
  maxMB: number;
}

export const DEFAULT_CACHE_CONFIG: CacheConfig = { orders: 12, maxMB: 32 };

const CACHE_LIMITS = { orders: { min: 1, max: 32 }, maxMB: { min: 0.25, max: 4096 } } as const;

const EMPTY = 0;
/** the ring's marker of a text start */
const TEXT_START = 0xffff;

/** The hash of a context one symbol longer: FNV-1a step over the id's two bytes. */
function extend(h: number, id: number): number {
  const x = id >= 0 ? id : 0xffff;
  h = Math.imul(h ^ (x & 0xff), 0x01000193);
  h = Math.imul(h ^ (x >>> 8), 0x01000193);
  return h;
}

/** The table key of a context hash and its order (never EMPTY). */
function keyOf(h: number, order: number): number {
  let k = Math.imul(h ^ (order * 0x9e3779b1), 0x85ebca6b);
  k ^= k >>> 13;
  k = Math.imul(k, 0xc2b2ae35);
  k ^= k >>> 16;
  return k === EMPTY ? 1 : k;
}

/** What the deepest seen context of a history says: its order (-1: none), its total and distinct counts. */
export interface CacheMatch {
  order: number;
  total: number;
  distinct: number;
}

export class NGramCache {
  readonly config: CacheConfig;
  readonly V: number;
  /** (C) context keys, EMPTY where free; C a power of two */
  private keys: Int32Array;
  /** (C) the first count node of each context, -1 for none */
  private heads: Int32Array;
  private used = 0;
  /** (M) the node's symbol, its count, and the next node of its context (-1: last) */
  private nodeSym: Int32Array;
  private nodeCount: Int32Array;
  private nodeNext: Int32Array;
  private nodes = 0;
  /** the counted text as a ring of ids (TEXT_START marks a text start), for the rebuild; it grows to at most a quarter of the cap */
  private ring: Uint16Array;
  private ringEnd = 0;
  private ringLen = 0;
  /** characters counted since the last rebuild or reset */
  counted = 0;
  /** (N + 1) scratch: the context hash of each order */
  private readonly hashes: Int32Array;

  constructor(vocabSize: number, config: Partial<CacheConfig> = {}) {
    const c = { ...DEFAULT_CACHE_CONFIG, ...config };
    if (!(Number.isInteger(c.orders) && c.orders >= CACHE_LIMITS.orders.min && c.orders <= CACHE_LIMITS.orders.max)) {
      throw new Error(`the cache's orders must be an integer from ${CACHE_LIMITS.orders.min} to ${CACHE_LIMITS.orders.max}, got ${c.orders}`);
    }
    if (!(c.maxMB >= CACHE_LIMITS.maxMB.min && c.maxMB <= CACHE_LIMITS.maxMB.max)) {
      throw new Error(`the cache's memory cap must be from ${CACHE_LIMITS.maxMB.min} to ${CACHE_LIMITS.maxMB.max} MB, got ${c.maxMB}`);
    }
    if (!(Number.isInteger(vocabSize) && vocabSize >= 2 && vocabSize <= 0xffff)) throw new Error(`the cache needs a vocabulary of 2 to 65535 symbols, got ${vocabSize}`);
    this.config = c;
    this.V = vocabSize;
    this.hashes = new Int32Array(c.orders + 1);
    this.keys = new Int32Array(1024);
    this.heads = new Int32Array(1024).fill(-1);
    this.nodeSym = new Int32Array(1024);
    this.nodeCount = new Int32Array(1024);
    this.nodeNext = new Int32Array(1024);
    this.ring = new Uint16Array(4096);
  }

  /** Bytes held by the tables and the ring. */
  get bytes(): number {
    return this.keys.byteLength + this.heads.byteLength + this.nodeSym.byteLength * 3 + this.ring.byteLength;
  }

  /** Distinct contexts counted. */
  get contexts(): number {
    return this.used;
  }

  /** Forgets everything counted (the memory too). */
  reset(): void {
    this.keys = new Int32Array(1024);
    this.heads = new Int32Array(1024).fill(-1);
    this.used = 0;
    this.nodeSym = new Int32Array(1024);
    this.nodeCount = new Int32Array(1024);
    this.nodeNext = new Int32Array(1024);
    this.nodes = 0;
    this.ring = new Uint16Array(4096);
    this.ringEnd = this.ringLen = 0;
    this.counted = 0;
  }

  /** A gap in the text counted: the rebuild reads padding before what follows. */
  startText(): void {
    if (this.ringLen > 0 && this.ring[(this.ringEnd - 1 + this.ring.length) % this.ring.length] === TEXT_START) return;
    this.pushRing(TEXT_START);
  }

  /**
   * Counts `id` after every context (orders 0 .. N) that ends at hist[end] (its last `len` symbols are
   * the text before `id`, oldest first; padding before them), then appends it to the text counted.
   */
  add(id: number, hist: ArrayLike<number>, end: number, len: number): void {
    if (!(Number.isInteger(id) && id >= 0 && id < this.V)) throw new Error(`symbol ${id} is outside the vocabulary of ${this.V}`);
    this.count(id, hist, end, len);
    this.pushRing(id);
    if (this.bytes > this.config.maxMB * 2 ** 20) this.rebuild();
  }

  private count(id: number, hist: ArrayLike<number>, end: number, len: number): void {
    this.contextHashes(hist, end, len);
    for (let n = 0; n <= this.config.orders; n++) this.increment(keyOf(this.hashes[n], n), id);
    this.counted++;
  }

  /** hashes[n] = the hash of the n symbols ending at hist[end] (padding before `end - len + 1`) */
  private contextHashes(hist: ArrayLike<number>, end: number, len: number): void {
    let h = 0x811c9dc5 | 0;
    this.hashes[0] = h;
    for (let n = 1; n <= this.config.orders; n++) {
      const i = end - n + 1;
      h = extend(h, n <= len && i >= 0 ? hist[i] : PAD);
      this.hashes[n] = h;
    }
  }

  private increment(key: number, id: number): void {
    const slot = this.slotOf(key, true);
    for (let node = this.heads[slot]; node >= 0; node = this.nodeNext[node]) {
      if (this.nodeSym[node] === id) {
        this.nodeCount[node]++;
        return;
      }
    }
    if (this.nodes === this.nodeSym.length) this.growNodes();
    const node = this.nodes++;
    this.nodeSym[node] = id;
    this.nodeCount[node] = 1;
    this.nodeNext[node] = this.heads[slot];
    this.heads[slot] = node;
  }

  /** The slot of `key`: its own, or (insert) a free one claimed for it; -1 when absent and not inserting. */
  private slotOf(key: number, insert: boolean): number {
    const mask = this.keys.length - 1;
    let i = key & mask;
    for (;;) {
      const k = this.keys[i];
      if (k === key) return i;
      if (k === EMPTY) {
        if (!insert) return -1;
        if ((this.used + 1) * 2 > this.keys.length) {
          this.growContexts();
          return this.slotOf(key, true);
        }
        this.keys[i] = key;
        this.heads[i] = -1;
        this.used++;
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  private growContexts(): void {
    const oldKeys = this.keys, oldHeads = this.heads;
    this.keys = new Int32Array(oldKeys.length * 2);
    this.heads = new Int32Array(oldKeys.length * 2).fill(-1);
    const mask = this.keys.length - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j];
      if (key === EMPTY) continue;
      let i = key & mask;
      while (this.keys[i] !== EMPTY) i = (i + 1) & mask;
      this.keys[i] = key;
      this.heads[i] = oldHeads[j];
    }
  }

  private growNodes(): void {
    const n = this.nodeSym.length * 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.nodeSym = grow(this.nodeSym);
    this.nodeCount = grow(this.nodeCount);
    this.nodeNext = grow(this.nodeNext);
  }

  private pushRing(id: number): void {
    const cap = Math.max(4096, Math.floor((this.config.maxMB * 2 ** 20) / 8)); // ids (2 bytes each): a quarter of the cap
    if (this.ringLen === this.ring.length && this.ring.length < cap) {
      // grow the ring (it is full and in order only until it first wraps, which happens at the cap)
      const bigger = new Uint16Array(Math.min(cap, this.ring.length * 2));
      bigger.set(this.ring);
      this.ring = bigger;
      this.ringEnd = this.ringLen;
    }
    this.ring[this.ringEnd] = id;
    this.ringEnd = (this.ringEnd + 1) % this.ring.length;
    this.ringLen = Math.min(this.ringLen + 1, this.ring.length);
  }

  /** Recounts the most recent half of the text: the cache's memory stays bounded. */
  private rebuild(): void {
    const len = Math.floor(this.ringLen / 2);
    const text = new Uint16Array(len);
    for (let i = 0; i < len; i++) text[i] = this.ring[(this.ringEnd - len + i + this.ring.length) % this.ring.length];
    this.reset();
    // the kept text starts mid-way: its first contexts read padding, as after each gap
    const N = this.config.orders;
    const hist = new Int32Array(N).fill(PAD);
    for (const id of text) {
      if (id === TEXT_START) {
        hist.fill(PAD);
        this.startText();
        continue;
      }
      this.count(id, hist, N - 1, N);
      this.pushRing(id);
      hist.copyWithin(0, 1);
      hist[N - 1] = id;
    }
  }

  /**
   * p (V) := the interpolated estimate after `hist[end - len + 1 .. end]`, starting from p as given
   * (the base distribution, summing to 1) and refining it with each seen order from `minOrder` to N;
   * the result sums to 1. `beta` scales the escape (the weight of the lower orders). Returns the
   * deepest seen order (-1: none), and fills `match` with its counts.
   *
   * Cost: O(V + the distinct symbols of the seen contexts): p is kept as scale x q and only the
   * counted symbols are touched per order.
   */
  interpolate(p: Float64Array, hist: ArrayLike<number>, end: number, len: number, minOrder: number, beta: number, match?: CacheMatch): number {
    this.contextHashes(hist, end, len);
    let scale = 1;
    let deepest = -1, deepTotal = 0, deepDistinct = 0;
    for (let n = Math.max(0, minOrder); n <= this.config.orders; n++) {
      const slot = this.slotOf(keyOf(this.hashes[n], n), false);
      if (slot < 0) break; // a longer context cannot have been seen either
      let total = 0, distinct = 0;
      for (let node = this.heads[slot]; node >= 0; node = this.nodeNext[node]) {
        total += this.nodeCount[node];
        distinct++;
      }
      const escape = beta * distinct;
      const denom = total + escape;
      // p_n = (escape p_{n-1} + counts) / denom, with p = scale q
      scale *= escape / denom;
      for (let node = this.heads[slot]; node >= 0; node = this.nodeNext[node]) p[this.nodeSym[node]] += this.nodeCount[node] / denom / scale;
      deepest = n;
      deepTotal = total;
      deepDistinct = distinct;
    }
    if (scale !== 1) for (let v = 0; v < p.length; v++) p[v] *= scale;
    if (match) {
      match.order = deepest;
      match.total = deepTotal;
      match.distinct = deepDistinct;
    }
    return deepest;
  }
}

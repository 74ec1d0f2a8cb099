/**
 * Dynamic evaluation (Krause et al. 2017) of the direct connections: as the user's text is read and
 * typed, each segment of S characters already seen gives a gradient step on the direct-connection rows
 * its contexts use, so that the model adapts to the code at hand.
 *
 * The adaptation never touches the trained table: adapted rows live in an overlay (a copy of the row,
 * then stepped), which `reset()` drops, restoring the trained model's behaviour exactly. Its memory is
 * capped; past the cap the oldest adapted rows go back to their trained values.
 *
 * A segment's step: with p[t] = softmax(y[t]) computed before the step, plain gradient descent on the
 * segment's summed loss, D[row] -= lr * sum over t of (p[t] - onehot(target[t])) (a shorter segment
 * thus steps in proportion to its length).
 */
import { DirectConnections, DirectTerm } from '../model/direct-connections';
import { CacheMixture, MixtureOptions } from './cache-mixture';
import { FloatArray } from '../kernels/kernels';
import { RnnModel } from '../model/model';

export interface AdaptOptions {
  /** the table's learning rate; default 0.1 */
  learningRate: number;
  /** S: characters per segment; default 16 */
  segment: number;
  /** the most megabytes of adapted rows; default 32 */
  maxMB: number;
  /** the cache mixture (cache-mixture.ts) on top of the adapted model; default on */
  cache: boolean;
  /** the cache's settings (its memory cap `maxMB` is separate from the rows'); defaults in cache-mixture.ts */
  mixture?: Partial<MixtureOptions>;
}

export const DEFAULT_ADAPT_OPTIONS: AdaptOptions = { learningRate: 0.1, segment: 16, maxMB: 32, cache: true };

function validateAdaptOptions(o: AdaptOptions): void {
  if (!(o.learningRate > 0 && o.learningRate <= 10)) throw new Error(`the adaptation's learning rate must be in (0, 10], got ${o.learningRate}`);
  if (!(Number.isInteger(o.segment) && o.segment >= 1 && o.segment <= 4096)) throw new Error(`the adaptation's segment must be an integer from 1 to 4096 characters, got ${o.segment}`);
  if (!(o.maxMB >= 0)) throw new Error(`the adaptation's memory cap must be a number of megabytes, got ${o.maxMB}`);
}

/** Adapted rows are kept in blocks of this many rows, allocated as the adaptation grows. */
const BLOCK_ROWS = 4096;

/** The trained table with an overlay of adapted rows. */
export class Adaptation implements DirectTerm {
  readonly base: DirectConnections;
  readonly config: DirectConnections['config'];
  readonly maxRows: number;
  /** table row -> slot of its adapted copy, oldest first (a Map keeps insertion order) */
  private readonly slots = new Map<number, number>();
  /** the adapted rows: slot s is row s % BLOCK_ROWS of block floor(s / BLOCK_ROWS), (BLOCK_ROWS, V) each */
  private blocks: Float32Array[] = [];

  constructor(base: DirectConnections, maxMB: number) {
    this.base = base;
    this.config = base.config;
    this.maxRows = Math.floor((maxMB * 2 ** 20) / (4 * base.config.vocabSize));
  }

  get adaptedRows(): number {
    return this.slots.size;
  }

  /** Bytes the overlay holds (its blocks). */
  get bytes(): number {
    return this.blocks.reduce((sum, b) => sum + b.byteLength, 0);
  }

  rowsAt(ids: ArrayLike<number>, end: number, start: number, out: Int32Array, outOffset: number): void {
    this.base.rowsAt(ids, end, start, out, outOffset);
  }

  addRows(logits: { [i: number]: number }, offset: number, rows: ArrayLike<number>, rowsOffset: number): void {
    const V = this.config.vocabSize;
    for (let r = 0; r < this.config.orders; r++) {
      const row = rows[rowsOffset + r];
      const slot = this.slots.get(row);
      const src = slot === undefined ? this.base.table : this.blocks[Math.floor(slot / BLOCK_ROWS)];
      const base = slot === undefined ? row * V : (slot % BLOCK_ROWS) * V;
      for (let v = 0; v < V; v++) logits[offset + v] += src[base + v];
    }
  }

  /** D[row] -= step * g[offset .. offset + V) */
  stepRow(row: number, g: ArrayLike<number>, offset: number, step: number): void {
    const V = this.config.vocabSize;
    let slot = this.slots.get(row);
    if (slot === undefined) {
      if (this.maxRows === 0) return;
      if (this.slots.size >= this.maxRows) {
        // the oldest adapted row returns to its trained value; its slot takes the new row
        const [oldest, free] = this.slots.entries().next().value as [number, number];
        this.slots.delete(oldest);
        slot = free;
      } else {
        slot = this.slots.size;
        if (Math.floor(slot / BLOCK_ROWS) >= this.blocks.length) this.blocks.push(new Float32Array(Math.min(BLOCK_ROWS, this.maxRows - slot) * V));
      }
      this.slots.set(row, slot);
      this.blocks[Math.floor(slot / BLOCK_ROWS)].set(this.base.table.subarray(row * V, (row + 1) * V), (slot % BLOCK_ROWS) * V);
    }
    const own = this.blocks[Math.floor(slot / BLOCK_ROWS)];
    const base = (slot % BLOCK_ROWS) * V;
    for (let v = 0; v < V; v++) own[base + v] -= step * g[offset + v];
  }

  /**
   * Takes over what `old` learned on top of another table of the same shape (a newer checkpoint of the
   * same model): each of its adapted rows becomes this table's row plus the change the adaptation made
   * to the old one. Oldest first, as far as the cap allows.
   */
  carryFrom(old: Adaptation): void {
    const c = old.config;
    if (c.orders !== this.config.orders || c.rowsPerOrder !== this.config.rowsPerOrder || c.vocabSize !== this.config.vocabSize) return;
    const V = c.vocabSize;
    const delta = new Float32Array(V);
    for (const [row, slot] of old.slots) {
      const own = old.blocks[Math.floor(slot / BLOCK_ROWS)];
      const base = (slot % BLOCK_ROWS) * V;
      // stepRow subtracts: g = D_old[row] - adapted gives D_new[row] + (adapted - D_old[row])
      for (let v = 0; v < V; v++) delta[v] = old.base.table[row * V + v] - own[base + v];
      this.stepRow(row, delta, 0, 1);
    }
  }

  /** Forgets every adapted row (and gives their memory back): the trained table's behaviour, exactly. */
  reset(): void {
    this.slots.clear();
    this.blocks = [];
  }
}

/** One segment of seen text: the top layer's state after each input, the contexts' rows and the next symbol. */
export class Segment {
  readonly S: number;
  /** (S, H) h[L-1] after each input */
  readonly h: Float32Array;
  /** (S, orders) the direct-connection rows of each input's context */
  readonly rows: Int32Array;
  /** (S) the symbol that followed, -1 while not yet seen */
  readonly targets: Int32Array;
  /** (S) the document offset after each input (for a session to drop what an edit invalidated) */
  readonly ends: Float64Array;
  /** (S) the cache's probability of the target, and (S) its bucket (-1: no cache prediction) */
  readonly cacheP: Float64Array;
  readonly bucket: Int32Array;
  count = 0;

  constructor(S: number, H: number, orders: number) {
    this.S = S;
    this.h = new Float32Array(S * H);
    this.rows = new Int32Array(S * orders);
    this.targets = new Int32Array(S).fill(-1);
    this.ends = new Float64Array(S);
    this.cacheP = new Float64Array(S);
    this.bucket = new Int32Array(S).fill(-1);
  }

  /**
   * Records one input: `top` (H) the top layer's state after it, the rows of the context that ends with
   * it (`hist`, its last symbol last), the symbol that followed (-1 while unknown) and its end offset.
   */
  push(top: Float32Array, term: DirectTerm, hist: Int32Array, target: number, end = 0): void {
    const t = this.count++;
    const orders = term.config.orders;
    this.h.set(top, t * top.length);
    term.rowsAt(hist, hist.length - 1, 0, this.rows, t * orders);
    this.targets[t] = target;
    this.ends[t] = end;
    this.bucket[t] = -1;
  }

  /** positions whose target is known */
  get complete(): number {
    return this.count > 0 && this.targets[this.count - 1] < 0 ? this.count - 1 : this.count;
  }
}

/**
 * The adaptation of one model in one workspace session: the overlay, the buffers of a segment's step
 * and a queue of seen segments waiting for their step (spread over keystrokes by the caller).
 */
export class DynamicEvaluation {
  readonly model: RnnModel<FloatArray>;
  readonly adaptation: Adaptation;
  readonly options: AdaptOptions;
  private readonly queue: Segment[] = [];
  private readonly free: Segment[] = [];
  /** (S, H) and (S, V) kernel-side buffers of a segment's output pass */
  private readonly hBuf: Float32Array;
  private readonly logits: Float32Array;
  /** (V) a row's exponentials */
  private readonly exps: Float64Array;
  /** segments learned since creation or reset */
  segmentsLearned = 0;
  /** the cache mixture over the adapted model (AdaptOptions.cache); carryFrom may take over an older one */
  mixture: CacheMixture | undefined;
  /** the most segments waiting; older ones are dropped */
  static readonly MAX_QUEUE = 64;

  constructor(model: RnnModel<FloatArray>, options: Partial<AdaptOptions> = {}) {
    if (!model.direct) throw new Error('dynamic evaluation adapts the direct connections, and this model has none');
    this.options = { ...DEFAULT_ADAPT_OPTIONS, ...options };
    validateAdaptOptions(this.options);
    this.model = model;
    this.adaptation = new Adaptation(model.direct, this.options.maxMB);
    const { hiddenSize: H, vocabSize: V } = model.config;
    this.hBuf = model.kernels.allocF32(this.options.segment * H);
    this.logits = model.kernels.allocF32(this.options.segment * V);
    this.exps = new Float64Array(V);
    this.mixture = this.options.cache ? new CacheMixture(V, this.options.mixture) : undefined;
  }

  /** The history a recorded position needs, in symbols: the direct connections' and the cache's. */
  get historyLength(): number {
    return Math.max(this.adaptation.config.orders, this.mixture?.orders ?? 0);
  }

  /** A segment to fill (recycled). */
  newSegment(): Segment {
    const seg = this.free.pop() ?? new Segment(this.options.segment, this.model.config.hiddenSize, this.adaptation.config.orders);
    seg.count = 0;
    seg.targets.fill(-1);
    return seg;
  }

  /**
   * The symbol `x` was read after the `len` symbols ending at hist[end]: the cache predicts it (into
   * position `t` of `seg`, whose target it is, when given) and then counts it.
   */
  read(x: number, hist: ArrayLike<number>, end: number, len: number, seg?: Segment, t = -1): void {
    const mix = this.mixture;
    if (!mix) return;
    if (seg && t >= 0) {
      const c = mix.predict(x, hist, end, len);
      seg.cacheP[t] = c.p;
      seg.bucket[t] = c.bucket;
    }
    mix.observe(x, hist, end, len);
  }

  enqueue(seg: Segment): void {
    this.queue.push(seg);
    if (this.queue.length > DynamicEvaluation.MAX_QUEUE) this.free.push(this.queue.shift()!);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Learns from up to `segments` queued segments, oldest first; returns how many. */
  work(segments = 1): number {
    let done = 0;
    while (done < segments && this.queue.length > 0) {
      const seg = this.queue.shift()!;
      this.learn(seg);
      this.free.push(seg);
      done++;
    }
    return done;
  }

  /**
   * One step on a segment's complete positions; returns their loss (nats, summed) under the table as it
   * was before the step (under the mixture with the cache, where the cache predicted the position).
   * The mixture's weights learn from each position too.
   */
  learn(seg: Segment): number {
    const n = seg.complete;
    if (n === 0) return 0;
    const { hiddenSize: H, vocabSize: V } = this.model.config;
    const orders = this.adaptation.config.orders;
    const { Why, by } = this.model.w;
    const y = this.logits;
    // y = h @ Why^T + by + direct rows, p = softmax(y), dy = p - onehot(target)
    this.hBuf.set(seg.h.subarray(0, n * H));
    this.model.kernels.matmulABt(y, this.hBuf.subarray(0, n * H), Why, n, V, H, false);
    let loss = 0;
    for (let t = 0; t < n; t++) {
      const o = t * V;
      for (let v = 0; v < V; v++) y[o + v] += by[v];
      this.adaptation.addRows(y, o, seg.rows, t * orders);
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (y[o + v] > max) max = y[o + v];
      const e = this.exps;
      let sum = 0;
      for (let v = 0; v < V; v++) sum += (e[v] = Math.exp(y[o + v] - max));
      const target = seg.targets[t];
      if (this.mixture && seg.bucket[t] >= 0) loss -= Math.log(this.mixture.learn({ p: seg.cacheP[t], bucket: seg.bucket[t] }, e[target] / sum));
      else loss += max + Math.log(sum) - y[o + target];
      for (let v = 0; v < V; v++) y[o + v] = e[v] / sum;
      y[o + target] -= 1;
    }
    const step = this.options.learningRate;
    for (let t = 0; t < n; t++) for (let r = 0; r < orders; r++) this.adaptation.stepRow(seg.rows[t * orders + r], y, t * V, step);
    this.segmentsLearned++;
    return loss;
  }

  /**
   * Continues the adaptation of another DynamicEvaluation whose model was replaced by this one's (a
   * newer checkpoint with the same table shape): its adapted rows carry over as changes to the new rows.
   */
  carryFrom(old: DynamicEvaluation): void {
    this.adaptation.carryFrom(old.adaptation);
    // the cache and weights of the text read carry over when ids mean the same characters
    if (this.mixture && old.mixture && this.model.vocab.sameAs(old.model.vocab)) this.mixture = old.mixture;
    this.segmentsLearned = old.segmentsLearned;
  }

  /** Forgets the adaptation, the cache and the queued segments. */
  reset(): void {
    this.adaptation.reset();
    this.mixture?.reset();
    this.free.push(...this.queue);
    this.queue.length = 0;
    this.segmentsLearned = 0;
  }

  /** Gives the buffers back to the kernels. */
  dispose(): void {
    this.model.kernels.free(this.hBuf);
    this.model.kernels.free(this.logits);
  }
}

/**
 * Direct n-gram connections in the softmax (Mikolov's RNNME): the logits get a learned term per context
 * of the last n characters,
 *
 *   y[t] = Why h[t] + by + sum over n = 1..N of D[row_n(x[t-n+1 .. t])]
 *
 * D is a table of rows of V numbers with a region for each order n. An order whose every context fits
 * in `rowsPerOrder` rows ((V + 1)^n of them, the extra symbol being "before the start of the text") is
 * indexed exactly; a higher order hashes its context (FNV-1a) into `rowsPerOrder` rows. Contexts never
 * reach back across the start of a file: positions before it read as that padding symbol.
 *
 * Only the rows a chunk touches get a gradient (sparse updates), and the optimizer keeps one accumulator
 * per row (row-wise Adagrad), so its memory is one float per row, not per entry. The table starts at
 * zero, so a fresh table leaves the RNN's output unchanged.
 */
import { fastKernels, Kernels } from '../kernels/kernels';

export interface DirectConfig {
  /** N: contexts of 1 .. N symbols */
  orders: number;
  /** K: the most rows of one order's region (a power of two is not required) */
  rowsPerOrder: number;
  /** V */
  vocabSize: number;
}

/** The id that stands for "before the start of the text" in a history. */
export const PAD = -1;

/**
 * `megabytes`: the table's budget. 1024 at most: a run holds the table two or three times (the live one,
 * the best model's copy, the checkpoint being written), and a checkpoint must stay under the 4 GB that
 * one Node buffer can hold.
 */
export const DIRECT_LIMITS = { orders: { min: 1, max: 8 }, megabytes: { min: 1, max: 1024 } } as const;

/** The most entries (rows x V) a table may have: row offsets and element indices stay 32-bit integers. */
const MAX_DIRECT_ENTRIES = 2 ** 31 - 1;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The hashed row of the context of `order` symbols ending at ids[end] (inclusive): FNV-1a over the
 * symbol ids (as 16-bit values, an id below 0 or a position before `start` as 0xffff) and the order,
 * reduced into the order's region. The same on every platform.
 */
export function contextRow(ids: ArrayLike<number>, end: number, order: number, rowsPerOrder: number, start = 0): number {
  return (order - 1) * rowsPerOrder + (contextHash(ids, end, order, start) % rowsPerOrder);
}

function contextHash(ids: ArrayLike<number>, end: number, order: number, start: number): number {
  let h = FNV_OFFSET ^ order;
  h = Math.imul(h, FNV_PRIME) >>> 0;
  for (let k = end - order + 1; k <= end; k++) {
    const raw = k >= start ? ids[k] : -1;
    const id = raw >= 0 ? raw : 0xffff;
    h = Math.imul(h ^ (id & 0xff), FNV_PRIME) >>> 0;
    h = Math.imul(h ^ (id >>> 8), FNV_PRIME) >>> 0;
  }
  return h;
}

/** Anything that adds direct-connection rows to logits: the trained table, or an adaptation of it. */
export interface DirectTerm {
  readonly config: DirectConfig;
  /** the rows (orders) of the contexts ending at ids[end], reading positions before `start` as padding */
  rowsAt(ids: ArrayLike<number>, end: number, start: number, out: Int32Array, outOffset: number): void;
  /** logits[offset .. offset + V) += the sum of the rows rows[rowsOffset .. rowsOffset + orders) */
  addRows(logits: { [i: number]: number }, offset: number, rows: ArrayLike<number>, rowsOffset: number): void;
}

export class DirectConnections implements DirectTerm {
  readonly config: DirectConfig;
  /** (orders + 1): the first row of each order's region, and the row count last */
  readonly regionStart: Int32Array;
  /** (orders): 1 where the order is indexed exactly */
  readonly exact: Uint8Array;
  /** (rows, V) */
  readonly table: Float32Array;
  /** (rows) row-wise Adagrad accumulators (training only) */
  rowSumSq: Float32Array | undefined;

  constructor(config: DirectConfig, table?: Float32Array) {
    DirectConnections.validate(config);
    const { orders, rowsPerOrder, vocabSize: V } = config;
    this.config = { orders, rowsPerOrder, vocabSize: V };
    const layout = DirectConnections.layout(this.config);
    this.regionStart = layout.regionStart;
    this.exact = layout.exact;
    const rows = this.regionStart[orders];
    if (table && table.length !== rows * V) throw new Error(`the direct-connection table holds ${table.length} floats, the configuration needs ${rows} x ${V}`);
    this.table = table ?? new Float32Array(rows * V);
  }

  /**
   * Throws a clear error for a configuration that cannot be built. The numbers may come from a file:
   * every size is computed in doubles (exact to 2^53) and checked before a 32-bit row index is made of it.
   */
  static validate(config: DirectConfig): void {
    const { orders, rowsPerOrder, vocabSize: V } = config;
    if (!(Number.isInteger(orders) && orders >= DIRECT_LIMITS.orders.min && orders <= DIRECT_LIMITS.orders.max)) {
      throw new Error(`direct-connection orders must be an integer from ${DIRECT_LIMITS.orders.min} to ${DIRECT_LIMITS.orders.max}, got ${orders}`);
    }
    if (!(Number.isSafeInteger(rowsPerOrder) && rowsPerOrder >= 1 && rowsPerOrder <= MAX_DIRECT_ENTRIES)) {
      throw new Error(`rowsPerOrder must be an integer from 1 to ${MAX_DIRECT_ENTRIES}, got ${rowsPerOrder}`);
    }
    if (!(Number.isInteger(V) && V >= 2)) throw new Error(`vocabSize must be an integer of at least 2, got ${V}`);
    const rows = DirectConnections.rowTotal(config);
    if (rows * V > MAX_DIRECT_ENTRIES) throw new Error(`a direct-connection table of ${rows} rows x ${V} symbols is too large (at most ${MAX_DIRECT_ENTRIES} entries)`);
  }

  /** The table's row count, as a double (never wrapped to 32 bits); may exceed what validate allows. */
  static rowTotal(config: DirectConfig): number {
    const { orders, rowsPerOrder, vocabSize: V } = config;
    let rows = 0;
    for (let n = 1; n <= orders; n++) rows += Math.min((V + 1) ** n, rowsPerOrder);
    return rows;
  }

  /** Where each order's region starts, and which orders are exact (a configuration that validate accepts). */
  static layout(config: DirectConfig): { regionStart: Int32Array; exact: Uint8Array } {
    const { orders, rowsPerOrder, vocabSize: V } = config;
    if (!(DirectConnections.rowTotal(config) <= MAX_DIRECT_ENTRIES)) throw new Error(`a direct-connection table of ${DirectConnections.rowTotal(config)} rows is too large`);
    const regionStart = new Int32Array(orders + 1);
    const exact = new Uint8Array(orders);
    let start = 0;
    for (let n = 1; n <= orders; n++) {
      regionStart[n - 1] = start;
      const all = (V + 1) ** n;
      exact[n - 1] = all <= rowsPerOrder ? 1 : 0;
      start += exact[n - 1] ? all : rowsPerOrder;
    }
    regionStart[orders] = start;
    return { regionStart, exact };
  }

  /** The configuration with the most rows per order whose table fits in `megabytes` (float32). */
  static configForBudget(orders: number, vocabSize: number, megabytes: number): DirectConfig {
    if (!(megabytes > 0)) throw new Error(`the direct-connection budget must be a positive number of megabytes, got ${megabytes}`);
    const maxRows = Math.floor((megabytes * 2 ** 20) / (4 * vocabSize));
    const total = (K: number) => DirectConnections.rowTotal({ orders, rowsPerOrder: K, vocabSize });
    let lo = 1, hi = Math.max(1, maxRows);
    if (total(1) > maxRows) throw new Error(`${megabytes} MB cannot hold a direct-connection table of ${orders} orders for ${vocabSize} symbols`);
    while (lo < hi) {
      const mid = Math.floor((lo + hi + 1) / 2);
      if (total(mid) <= maxRows) lo = mid; else hi = mid - 1;
    }
    return { orders, rowsPerOrder: lo, vocabSize };
  }

  get rowCount(): number {
    return this.regionStart[this.config.orders];
  }

  rowsAt(ids: ArrayLike<number>, end: number, start: number, out: Int32Array, outOffset: number): void {
    const { orders, rowsPerOrder, vocabSize: V } = this.config;
    for (let n = 1; n <= orders; n++) {
      let row: number;
      if (this.exact[n - 1]) {
        // digits id + 1 in base V + 1, padding as 0
        row = 0;
        for (let k = end - n + 1; k <= end; k++) {
          const id = k >= start ? ids[k] : -1;
          row = row * (V + 1) + (id >= 0 ? id + 1 : 0);
        }
      } else {
        row = contextHash(ids, end, n, start) % rowsPerOrder;
      }
      out[outOffset + n - 1] = this.regionStart[n - 1] + row;
    }
  }

  /** rows (orders) for the context ending at ids[end] */
  rows(ids: ArrayLike<number>, end: number, start = 0): Int32Array {
    const out = new Int32Array(this.config.orders);
    this.rowsAt(ids, end, start, out, 0);
    return out;
  }

  addRows(logits: { [i: number]: number }, offset: number, rows: ArrayLike<number>, rowsOffset: number): void {
    const V = this.config.vocabSize;
    const D = this.table;
    for (let r = 0; r < this.config.orders; r++) {
      const base = rows[rowsOffset + r] * V;
      for (let v = 0; v < V; v++) logits[offset + v] += D[base + v];
    }
  }

  /** D *= factor: every row (the trainer's weight decay). */
  scale(factor: number): void {
    const D = this.table;
    for (let i = 0; i < D.length; i++) D[i] *= factor;
  }

  /**
   * Row-wise Adagrad on the touched rows only: each row keeps the sum of the mean squared gradient of
   * its entries, and its step is lr / sqrt(that sum). `kernels` does the work (WebAssembly when the
   * table, its accumulators and the gradient live in its memory).
   */
  update(grad: DirectGradient, learningRate: number, kernels: Kernels = fastKernels): void {
    const acc = (this.rowSumSq ??= new Float32Array(this.rowCount));
    kernels.adagradRows(this.table, acc, grad.data, grad.rows, grad.count, this.config.vocabSize, learningRate);
  }
}

/** A sparse gradient of the table: the rows touched, each with its (V) gradient, in first-touch order. */
export class DirectGradient {
  readonly V: number;
  /** (capacity) the row of each slot */
  readonly rows: Int32Array;
  /** (capacity, V) */
  readonly data: Float32Array;
  /** (capacity) for `assign`: the slot of each (position, order) */
  readonly slots: Int32Array;
  count = 0;
  private readonly slot = new Map<number, number>();
  private readonly kernels: Kernels;

  /** The buffers come from `kernels` (so that its row kernels work on them at full speed). */
  constructor(V: number, capacity: number, kernels: Kernels = fastKernels) {
    this.V = V;
    this.kernels = kernels;
    this.rows = kernels.allocI32(capacity);
    this.data = kernels.allocF32(capacity * V);
    this.slots = kernels.allocI32(capacity);
  }

  release(): void {
    this.kernels.free(this.rows);
    this.kernels.free(this.data);
    this.kernels.free(this.slots);
  }

  clear(): void {
    this.data.fill(0, 0, this.count * this.V);
    this.count = 0;
    this.slot.clear();
  }

  private slotOf(row: number): number {
    let s = this.slot.get(row);
    if (s === undefined) {
      if (this.count >= this.rows.length) throw new Error('the sparse gradient is full');
      s = this.count++;
      this.slot.set(row, s);
      this.rows[s] = row;
    }
    return s;
  }

  /**
   * Gives each (position, order) of `rows` (N, R) a slot, positions of weight 0 excepted, into
   * `slots` (N, R): what `scatter` adds into.
   */
  assign(rows: Int32Array, weights: ArrayLike<number>, N: number, R: number): void {
    for (let n = 0; n < N; n++) {
      if (weights[n] === 0) continue;
      for (let r = 0; r < R; r++) this.slots[n * R + r] = this.slotOf(rows[n * R + r]);
    }
  }

  /**
   * forward was: y += sum_r D[row_r]  =>  dD[row_r] += dy. For positions n0 .. n0 + count of the
   * assigned rows: adds scale * dy (count, V) into their slots.
   */
  scatter(n0: number, count: number, R: number, dy: Float32Array, weights: Float32Array, scale: number): void {
    this.kernels.scatterAddRows(this.data, this.slots.subarray(n0 * R, (n0 + count) * R), dy, weights.subarray(n0, n0 + count), count, R, this.V, scale);
  }

  /** The same for one position's rows, from any array (tests, small cases). */
  add(rows: ArrayLike<number>, rowsOffset: number, n: number, dy: ArrayLike<number>, offset: number, scale: number): void {
    const V = this.V;
    const data = this.data;
    for (let r = 0; r < n; r++) {
      const base = this.slotOf(rows[rowsOffset + r]) * V;
      for (let v = 0; v < V; v++) data[base + v] += scale * dy[offset + v];
    }
  }
}

/**
 * The history of the last `orders` symbols of M rows (a document, or the beams of a search), to find the
 * direct-connection rows of the next prediction.
 */
export class DirectContext {
  readonly term: DirectTerm;
  readonly M: number;
  /** (M, orders) the last symbols, oldest first, PAD where the text had not started */
  readonly hist: Int32Array;
  private readonly rows: Int32Array;

  constructor(term: DirectTerm, M = 1) {
    this.term = term;
    this.M = M;
    this.hist = new Int32Array(M * term.config.orders).fill(PAD);
    this.rows = new Int32Array(term.config.orders);
  }

  /** Row m's history becomes the last symbols of `ids` (padding before them). */
  set(m: number, ids: ArrayLike<number>): void {
    const N = this.term.config.orders;
    for (let k = 0; k < N; k++) {
      const i = ids.length - N + k;
      this.hist[m * N + k] = i >= 0 ? ids[i] : PAD;
    }
  }

  push(m: number, id: number): void {
    const N = this.term.config.orders;
    this.hist.copyWithin(m * N, m * N + 1, (m + 1) * N);
    this.hist[(m + 1) * N - 1] = id;
  }

  /** Row `to` of this context becomes row `from` of `src`. */
  copyRow(src: DirectContext, from: number, to: number): void {
    const N = this.term.config.orders;
    this.hist.set(src.hist.subarray(from * N, (from + 1) * N), to * N);
  }

  /** logits (M, V): adds each row's direct term. */
  addTo(logits: { [i: number]: number }, M = this.M): void {
    const N = this.term.config.orders;
    const V = this.term.config.vocabSize;
    for (let m = 0; m < M; m++) {
      this.term.rowsAt(this.hist, (m + 1) * N - 1, m * N, this.rows, 0);
      this.term.addRows(logits, m * V, this.rows, 0);
    }
  }
}

/**
 * Direct n-gram connections in the softmax (Mikolov's RNNME), the first building block of the adaptive
 * model: the logits get a learned term per hashed context of the last n characters,
 *
 *   y[t] = Why h[t] + by + sum over n = 1..N of D[row_n(x[t-n+1 .. t])]
 *
 * where D is a table of rows of V numbers, with a region of `rowsPerOrder` rows for each order n, and
 * row_n a hash of the n last symbols into that region. Only the rows a chunk touches get a gradient
 * (sparse updates), and the optimizer keeps one accumulator per row (row-wise Adagrad), so its memory is
 * one float per row, not per entry.
 *
 * Not wired into training or completions yet (see the closing note of the session that wrote it).
 */

export interface DirectConfig {
  /** N: contexts of 1 .. N symbols */
  orders: number;
  /** K: rows of each order's region (a power of two is not required) */
  rowsPerOrder: number;
  /** V */
  vocabSize: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The row of the context of `order` symbols ending at ids[end] (inclusive): FNV-1a over the symbol ids
 * (as 16-bit values) and the order, reduced into the order's region. The same on every platform.
 */
export function contextRow(ids: ArrayLike<number>, end: number, order: number, rowsPerOrder: number): number {
  let h = FNV_OFFSET ^ order;
  h = Math.imul(h, FNV_PRIME) >>> 0;
  for (let k = end - order + 1; k <= end; k++) {
    const id = k >= 0 ? ids[k] : 0xffff; // before the start: a padding symbol
    h = Math.imul(h ^ (id & 0xff), FNV_PRIME) >>> 0;
    h = Math.imul(h ^ (id >>> 8), FNV_PRIME) >>> 0;
  }
  return (order - 1) * rowsPerOrder + (h % rowsPerOrder);
}

export class DirectConnections {
  readonly config: DirectConfig;
  /** (orders * rowsPerOrder, V) */
  readonly table: Float32Array;
  /** (orders * rowsPerOrder) row-wise Adagrad accumulators */
  readonly rowSumSq: Float32Array;

  constructor(config: DirectConfig) {
    const { orders, rowsPerOrder, vocabSize } = config;
    if (!(Number.isInteger(orders) && orders >= 1 && orders <= 8)) throw new Error(`orders must be an integer from 1 to 8, got ${orders}`);
    if (!(Number.isInteger(rowsPerOrder) && rowsPerOrder >= 1)) throw new Error(`rowsPerOrder must be a positive integer, got ${rowsPerOrder}`);
    this.config = { ...config };
    this.table = new Float32Array(orders * rowsPerOrder * vocabSize);
    this.rowSumSq = new Float32Array(orders * rowsPerOrder);
  }

  /** Bytes of the table and its optimizer state. */
  get bytes(): number {
    return this.table.byteLength + this.rowSumSq.byteLength;
  }

  /** rows (orders) for the context ending at ids[end] */
  rows(ids: ArrayLike<number>, end: number, out: Int32Array = new Int32Array(this.config.orders)): Int32Array {
    for (let n = 1; n <= this.config.orders; n++) out[n - 1] = contextRow(ids, end, n, this.config.rowsPerOrder);
    return out;
  }

  /** logits (V) += sum of the rows' entries */
  addTo(logits: Float32Array | Float64Array, offset: number, rows: ArrayLike<number>): void {
    const V = this.config.vocabSize;
    for (let r = 0; r < rows.length; r++) {
      const base = rows[r] * V;
      for (let v = 0; v < V; v++) logits[offset + v] += this.table[base + v];
    }
  }

  /**
   * forward was: y += sum_r D[row_r]  =>  dD[row_r] += dy. Accumulates into a sparse gradient: a map
   * from row to its (V) gradient.
   */
  accumulate(grad: Map<number, Float64Array>, rows: ArrayLike<number>, dy: ArrayLike<number>, offset: number): void {
    const V = this.config.vocabSize;
    for (let r = 0; r < rows.length; r++) {
      let g = grad.get(rows[r]);
      if (!g) grad.set(rows[r], (g = new Float64Array(V)));
      for (let v = 0; v < V; v++) g[v] += dy[offset + v];
    }
  }

  /**
   * Row-wise Adagrad on the touched rows only: each row keeps the sum of the mean squared gradient of
   * its entries, and its step is lr / sqrt(that sum).
   */
  update(grad: Map<number, Float64Array>, learningRate: number): void {
    const V = this.config.vocabSize;
    for (const [row, g] of grad) {
      let sq = 0;
      for (let v = 0; v < V; v++) sq += g[v] * g[v];
      const acc = this.rowSumSq[row] + sq / V;
      this.rowSumSq[row] = acc;
      const step = learningRate / Math.sqrt(acc + 1e-8);
      const base = row * V;
      for (let v = 0; v < V; v++) this.table[base + v] -= step * g[v];
    }
  }
}

import assert from 'node:assert/strict';
import { contextRow, DirectConnections } from '../../src/core/direct';
import { Rng } from '../../src/core/rng';

describe('direct n-gram connections (building block of the adaptive model)', () => {
  it('hashes a context to the same row on every run and platform, inside its order\'s region', () => {
    const ids = [5, 17, 3, 250, 3, 9];
    // pinned values: a change of the hash would silently break every saved table
    assert.deepEqual([1, 2, 3, 6].map((n) => contextRow(ids, 5, n, 1000)), [141, 1703, 2706, 5646]);
    for (let n = 1; n <= 6; n++) {
      const row = contextRow(ids, 5, n, 1000);
      assert.ok(row >= (n - 1) * 1000 && row < n * 1000);
    }
    assert.equal(contextRow([1, 2, 3], 2, 2, 97), contextRow([9, 9, 2, 3], 3, 2, 97), 'only the last n symbols matter');
    assert.notEqual(contextRow([1, 2, 3], 2, 3, 1 << 20), contextRow([4, 2, 3], 2, 3, 1 << 20));
  });

  it('has the gradient of the softmax cross-entropy: central differences on every touched entry', () => {
    const V = 5;
    const d = new DirectConnections({ orders: 3, rowsPerOrder: 7, vocabSize: V });
    const rng = new Rng(2);
    for (let i = 0; i < d.table.length; i++) d.table[i] = rng.gaussian();
    const ids = [1, 3, 2, 4, 1, 1];
    const base = Array.from({ length: ids.length * V }, () => rng.gaussian());
    const loss = () => {
      let total = 0;
      for (let t = 0; t + 1 < ids.length; t++) {
        const y = new Float64Array(V);
        for (let v = 0; v < V; v++) y[v] = base[t * V + v];
        d.addTo(y, 0, d.rows(ids, t));
        const max = Math.max(...y);
        let sum = 0;
        for (let v = 0; v < V; v++) sum += Math.exp(y[v] - max);
        total += max + Math.log(sum) - y[ids[t + 1]];
      }
      return total;
    };
    // analytic: dy = softmax(y) - onehot(target), accumulated into the rows
    const grad = new Map<number, Float64Array>();
    for (let t = 0; t + 1 < ids.length; t++) {
      const y = new Float64Array(V);
      for (let v = 0; v < V; v++) y[v] = base[t * V + v];
      const rows = d.rows(ids, t);
      d.addTo(y, 0, rows);
      const max = Math.max(...y);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(y[v] - max);
      const dy = new Float64Array(V);
      for (let v = 0; v < V; v++) dy[v] = Math.exp(y[v] - max) / sum - (v === ids[t + 1] ? 1 : 0);
      d.accumulate(grad, rows, dy, 0);
    }
    assert.ok(grad.size > 0);
    for (const [row, g] of grad) {
      for (let v = 0; v < V; v++) {
        const i = row * V + v;
        const p = d.table[i];
        d.table[i] = p + 1e-2;
        const up = d.table[i];
        const lp = loss();
        d.table[i] = p - 1e-2;
        const down = d.table[i];
        const lm = loss();
        d.table[i] = p;
        const numeric = (lp - lm) / (up - down);
        assert.ok(Math.abs(numeric - g[v]) < 1e-4 * (1 + Math.abs(g[v])), `row ${row}, symbol ${v}: ${numeric} vs ${g[v]}`);
      }
    }
  });

  it('updates only the touched rows, exactly as a dense update of the whole table would', () => {
    const V = 4;
    const sparse = new DirectConnections({ orders: 2, rowsPerOrder: 5, vocabSize: V });
    const dense = new DirectConnections({ orders: 2, rowsPerOrder: 5, vocabSize: V });
    const rng = new Rng(5);
    for (let i = 0; i < sparse.table.length; i++) dense.table[i] = sparse.table[i] = rng.gaussian();
    for (let step = 0; step < 3; step++) {
      const grad = new Map<number, Float64Array>();
      grad.set(rng.nextInt(10), Float64Array.from({ length: V }, () => rng.gaussian()));
      grad.set(rng.nextInt(10), Float64Array.from({ length: V }, () => rng.gaussian()));
      sparse.update(grad, 0.1);
      // dense: every row, with zero gradients for the untouched ones
      for (let row = 0; row < 10; row++) {
        const g = grad.get(row) ?? new Float64Array(V);
        let sq = 0;
        for (let v = 0; v < V; v++) sq += g[v] * g[v];
        const acc = dense.rowSumSq[row] + sq / V;
        dense.rowSumSq[row] = acc;
        const stepSize = 0.1 / Math.sqrt(acc + 1e-8);
        for (let v = 0; v < V; v++) dense.table[row * V + v] -= stepSize * g[v];
      }
    }
    assert.deepEqual(Array.from(sparse.table), Array.from(dense.table));
    assert.deepEqual(Array.from(sparse.rowSumSq), Array.from(dense.rowSumSq));
    assert.equal(sparse.bytes, (10 * V + 10) * 4);
  });

  it('refuses bad shapes', () => {
    assert.throws(() => new DirectConnections({ orders: 0, rowsPerOrder: 5, vocabSize: 3 }), /orders must be/);
    assert.throws(() => new DirectConnections({ orders: 2, rowsPerOrder: 0, vocabSize: 3 }), /rowsPerOrder/);
  });
});

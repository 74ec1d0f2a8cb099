import assert from 'node:assert/strict';
import { fastKernels, referenceKernels } from '../../../src/core/kernels/kernels';
import { Rng } from '../../../src/core/model/rng';

function random(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.gaussian();
  return a;
}

describe('kernels: the fast backend equals the reference', () => {
  const rng = new Rng(42);
  const shapes: [number, number, number][] = [[1, 1, 1], [1, 7, 3], [3, 5, 2], [4, 4, 4], [5, 9, 13], [8, 16, 32], [33, 17, 65], [32, 256, 64], [2, 3, 1000], [7, 1, 5]];
  for (const [M, N, K] of shapes) {
    for (const accumulate of [false, true]) {
      it(`matmulABt M=${M} N=${N} K=${K}${accumulate ? ' accumulating' : ''}`, () => {
        const A = random(rng, M * K), B = random(rng, N * K), init = random(rng, M * N);
        const outRef = Float32Array.from(init), outFast = Float32Array.from(init);
        referenceKernels.matmulABt(outRef, A, B, M, N, K, accumulate);
        fastKernels.matmulABt(outFast, A, B, M, N, K, accumulate);
        for (let i = 0; i < M * N; i++) {
          assert.ok(Math.abs(outRef[i] - outFast[i]) <= 1e-5 * (1 + Math.abs(outRef[i])), `element ${i}: ${outRef[i]} vs ${outFast[i]}`);
        }
        // the product is right, not just consistent: check one element by hand
        const m = M - 1, n = N - 1;
        let dot = 0;
        for (let k = 0; k < K; k++) dot += A[m * K + k] * B[n * K + k];
        assert.ok(Math.abs(outFast[m * N + n] - ((accumulate ? init[m * N + n] : 0) + dot)) < 1e-4);
      });
    }
  }
  for (const [M, N] of [[1, 1], [3, 11], [8, 8], [17, 9], [64, 256]]) {
    it(`transpose ${M} x ${N}`, () => {
      const A = random(rng, M * N);
      const a = new Float32Array(M * N), b = new Float32Array(M * N);
      referenceKernels.transpose(a, A, M, N);
      fastKernels.transpose(b, A, M, N);
      assert.deepEqual(b, a);
      assert.equal(b[(N - 1) * M + 0], A[0 * N + N - 1]);
    });
  }
  it('writes nothing outside the output', () => {
    const out = new Float32Array(5 * 7 + 2).fill(123);
    fastKernels.matmulABt(out.subarray(1, 1 + 35), random(rng, 5 * 3), random(rng, 7 * 3), 5, 7, 3, false);
    assert.equal(out[0], 123);
    assert.equal(out[36], 123);
  });
});

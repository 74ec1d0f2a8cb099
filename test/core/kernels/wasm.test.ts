import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allocChunk, Chunk } from '../../../src/core/model/bptt';
import { fastKernels, referenceKernels } from '../../../src/core/kernels/kernels';
import { RnnModel } from '../../../src/core/model/model';
import { Rng } from '../../../src/core/model/rng';
import { SlicedSteps } from '../../../src/core/train/threads/slices';
import { Trainer } from '../../../src/core/train/trainer';
import { DEFAULT_TRAIN_SETTINGS, TrainSettings } from '../../../src/core/checkpoint/training-state';
import { bestVariant, createWasmKernels } from '../../../src/core/kernels/wasm/backend';
import { Heap } from '../../../src/core/kernels/wasm/heap';
import { bytesOf, textData } from '../../helpers/model';
import { repoRoot } from '../../helpers/repo';

const root = repoRoot();

function fillRandom(a: Float32Array, rng: Rng, scale = 1): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = rng.gaussian() * scale;
  return a;
}

describe('WebAssembly SIMD kernels', () => {
  const kn = createWasmKernels('simd');
  const rng = new Rng(11);

  it('load as the default backend, with relaxed SIMD only where the runtime validates it', () => {
    assert.equal(kn.name, 'wasm-simd');
    assert.equal(bestVariant(), 'simd'); // Node 20 has relaxed SIMD only behind a flag
  });

  const shapes: [number, number, number][] = [[1, 1, 1], [1, 5, 3], [2, 4, 4], [3, 7, 5], [5, 9, 13], [2, 3, 1000], [33, 17, 65], [32, 256, 256], [7, 1, 6], [1, 100, 256]];
  for (const [M, N, K] of shapes) {
    for (const accumulate of [false, true]) {
      it(`matmulABt equals the reference: M=${M} N=${N} K=${K}${accumulate ? ', accumulating' : ''}`, () => {
        const A = fillRandom(kn.allocF32(M * K), rng), B = fillRandom(kn.allocF32(N * K), rng), out = fillRandom(kn.allocF32(M * N), rng);
        const ref = Float32Array.from(out);
        referenceKernels.matmulABt(ref, Float32Array.from(A), Float32Array.from(B), M, N, K, accumulate);
        kn.matmulABt(out, A, B, M, N, K, accumulate);
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            let bound = 0; // float32 summation error grows with the sum of |a b|
            for (let k = 0; k < K; k++) bound += Math.abs(A[m * K + k] * B[n * K + k]);
            const i = m * N + n;
            assert.ok(Math.abs(out[i] - ref[i]) <= 1e-6 * (bound + Math.abs(ref[i])) + 1e-7, `(${m}, ${n}): ${out[i]} vs ${ref[i]}`);
          }
        }
        [A, B, out].forEach((a) => kn.free(a));
      });
    }
  }

  it('computes each row the same whatever the tile or the number of rows (so a split batch gives the same rows)', () => {
    const M = 7, N = 9, K = 23;
    const A = fillRandom(kn.allocF32(M * K), rng), B = fillRandom(kn.allocF32(N * K), rng);
    const all = kn.allocF32(M * N), one = kn.allocF32(N);
    kn.matmulABt(all, A, B, M, N, K, false);
    for (let m = 0; m < M; m++) {
      kn.matmulABt(one, A.subarray(m * K, (m + 1) * K), B, 1, N, K, false);
      assert.ok(bytesOf(one).equals(bytesOf(all.subarray(m * N, (m + 1) * N))), `row ${m}`);
    }
  });

  it('transposes, adds tanh and computes the softmax cross-entropy like the reference', () => {
    const M = 13, N = 37;
    const A = fillRandom(kn.allocF32(M * N), rng), T1 = kn.allocF32(M * N), T2 = new Float32Array(M * N);
    kn.transpose(T1, A, M, N);
    referenceKernels.transpose(T2, Float32Array.from(A), M, N);
    assert.ok(bytesOf(T1).equals(bytesOf(T2)));
    const a = fillRandom(kn.allocF32(1001), rng, 3), b = fillRandom(kn.allocF32(1001), rng, 3), h = kn.allocF32(1001);
    kn.addTanh(h, a, b, 1001);
    for (let i = 0; i < 1001; i++) assert.ok(Math.abs(h[i] - Math.tanh(a[i] + b[i])) < 3e-7, `tanh at ${i}`);
    const R = 9, V = 31;
    const logits = fillRandom(kn.allocF32(R * V), rng, 4), by = fillRandom(kn.allocF32(V), rng);
    const targets = kn.allocI32(R), weights = kn.allocF32(R);
    for (let r = 0; r < R; r++) { targets[r] = rng.nextInt(V); weights[r] = r % 3 === 0 ? 0 : 1; }
    const plain = Float32Array.from(logits);
    const lossRef = referenceKernels.softmaxCrossEntropy(plain, Float32Array.from(by), Int32Array.from(targets), Float32Array.from(weights), R, V);
    const loss = kn.softmaxCrossEntropy(logits, by, targets, weights, R, V);
    assert.ok(Math.abs(loss - lossRef) < 1e-5 * Math.abs(lossRef), `${loss} vs ${lossRef}`);
    for (let i = 0; i < R * V; i++) assert.ok(Math.abs(logits[i] - plain[i]) < 1e-6, `probability ${i}`);
  });

  it('falls back to the JavaScript kernels for arrays outside its memory', () => {
    const A = new Float64Array([1, 2, 3, 4]), B = new Float64Array([1, 0, 0, 1]), out = new Float64Array(4);
    kn.matmulABt(out, A, B, 2, 2, 2, false);
    assert.deepEqual(Array.from(out), [1, 2, 3, 4]);
  });

  it('its heap reuses and coalesces freed blocks, and gives them back zeroed', () => {
    const heap = new Heap(new WebAssembly.Memory({ initial: 1, maximum: 100, shared: true }), 100);
    const a = heap.alloc(100), b = heap.alloc(5), c = heap.alloc(70_000); // c grows the memory
    assert.equal(a % 16, 0);
    assert.ok(b >= a + 100 && c >= b + 5);
    new Uint8Array(heap.memory.buffer, a, 100).fill(7);
    heap.free(a);
    heap.free(b);
    assert.equal(heap.alloc(112), a, 'a and b coalesced into one hole');
    assert.equal(new Uint8Array(heap.memory.buffer, a, 100)[50], 0);
    heap.free(c);
    assert.throws(() => heap.free(c), /no block allocated/);
  });
});

describe('training with the WebAssembly backend and threads', () => {
  const texts = ['function f(a, b) {\n  return a + b;\n}\n'.repeat(12), 'let x = [1, 2, 3];\nx.push(4);\n'.repeat(12)];
  const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 32, layers: 2, seqLength: 16, batchSize: 8, learningRate: 0.01, historyEverySteps: 1, directMB: 2 };

  it('matches the TypeScript backend within float32 tolerance over 10 steps', () => {
    const { vocab, data } = textData(texts);
    const wasm = Trainer.create(vocab, data, undefined, settings, createWasmKernels('simd'));
    const ts = Trainer.create(vocab, data, undefined, settings, fastKernels);
    for (let i = 0; i < 10; i++) {
      const a = wasm.trainStep(), b = ts.trainStep();
      assert.ok(Math.abs(a - b) < 1e-4, `step ${i}: loss ${a} vs ${b}`);
    }
    let worst = 0;
    for (let i = 0; i < ts.model.params.length; i++) worst = Math.max(worst, Math.abs(wasm.model.params[i] - ts.model.params[i]));
    assert.ok(worst < 1e-3, `largest parameter difference ${worst}`);
    wasm.dispose();
    ts.dispose();
  });

  it('the 2-thread gradient equals the 1-thread gradient of the same batch', () => {
    const kn = createWasmKernels('simd');
    const { vocab } = textData(texts);
    const model = RnnModel.create({ vocabSize: vocab.size, hiddenSize: 32, layers: 2 }, vocab, 3, kn);
    const T = 16, B = 8;
    const chunk: Chunk = allocChunk(T, B);
    const rng = new Rng(4);
    for (let n = 0; n < T * B; n++) {
      chunk.inputs[n] = 1 + rng.nextInt(vocab.size - 1);
      chunk.targets[n] = 1 + rng.nextInt(vocab.size - 1);
      chunk.reset[n] = rng.next() < 0.1 ? 1 : 0;
      chunk.weight[n] = rng.next() < 0.1 ? 0 : 1;
    }
    const one = new SlicedSteps(model, T, B, 1), two = new SlicedSteps(model, T, B, 2);
    try {
      assert.equal(two.slices.length, 2);
      const r1 = one.step(chunk), r2 = two.step(chunk);
      assert.equal(r1.weight, r2.weight);
      assert.ok(Math.abs(r1.lossSum - r2.lossSum) < 1e-4 * r1.lossSum);
      const g1 = one.gradient, g2 = two.gradient;
      let norm = 0;
      for (let i = 0; i < g1.length; i++) norm = Math.max(norm, Math.abs(g1[i]));
      for (let i = 0; i < g1.length; i++) assert.ok(Math.abs(g1[i] - g2[i]) <= 1e-5 * norm, `gradient ${i}: ${g1[i]} vs ${g2[i]}`);
      assert.ok(bytesOf(one.getCarry()).equals(bytesOf(two.getCarry())), 'every stream carries the same state');
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it('is bit-reproducible for a fixed seed and thread count', () => {
    const { vocab, data } = textData(texts);
    const run = () => {
      const t = Trainer.create(vocab, data, undefined, { ...settings, threads: 2 }, createWasmKernels('simd'));
      for (let i = 0; i < 6; i++) t.trainStep();
      const params = Buffer.from(bytesOf(t.model.params));
      t.dispose();
      return params;
    };
    assert.ok(run().equals(run()));
  });

  it('reports a worker crash as an error instead of hanging', () => {
    const kn = createWasmKernels('simd');
    const { vocab } = textData(texts);
    const model = RnnModel.create({ vocabSize: vocab.size, hiddenSize: 16, layers: 1 }, vocab, 3, kn);
    const steps = new SlicedSteps(model, 4, 4, 2);
    const chunk = allocChunk(4, 4);
    chunk.weight.fill(1);
    chunk.inputs.fill(1);
    chunk.targets.fill(1);
    for (let n = 0; n < 16; n++) if (n % 4 >= 2) chunk.inputs[n] = vocab.size + 5; // the worker's streams only
    try {
      assert.throws(() => steps.step(chunk), /a training thread failed/);
    } finally {
      steps.dispose();
    }
  });
});

describe('relaxed SIMD (fused multiply-add)', () => {
  it('is used where the runtime has it, and equals the reference', () => {
    // Node 20 has relaxed SIMD behind a flag; recent Electron has it on
    const script = `
      const c = require(${JSON.stringify(path.join(root, 'dist', 'core.js'))});
      const k = c.defaultKernels();
      let worst = 0;
      for (const [M, N, K] of [[1, 7, 5], [3, 9, 13], [32, 64, 256]]) {
        const A = k.allocF32(M * K), B = k.allocF32(N * K), out = k.allocF32(M * N);
        for (let i = 0; i < A.length; i++) A[i] = Math.sin(i * 1.7);
        for (let i = 0; i < B.length; i++) B[i] = Math.cos(i * 0.9);
        const ref = new Float32Array(M * N);
        c.referenceKernels.matmulABt(ref, Float32Array.from(A), Float32Array.from(B), M, N, K, false);
        k.matmulABt(out, A, B, M, N, K, false);
        for (let i = 0; i < M * N; i++) worst = Math.max(worst, Math.abs(out[i] - ref[i]) / (1 + Math.abs(ref[i])));
      }
      console.log(JSON.stringify({ name: k.name, worst }));`;
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { name, worst } = JSON.parse(r.stdout);
    assert.equal(name, 'wasm-relaxed-simd');
    assert.ok(worst < 1e-5, `worst relative difference ${worst}`);
  });
});

describe('the fallback when WebAssembly is unavailable', () => {
  it('trains with the JavaScript kernels and says so once', function () {
    this.timeout(30_000);
    const corpus = path.join(root, 'media', 'corpus', 'mocha', 'errors.js');
    const out = path.join(os.tmpdir(), `fallback-${process.pid}.safetensors`);
    // V8's jitless mode has no WebAssembly at all
    const r = spawnSync(process.execPath, ['--jitless', path.join(root, 'dist', 'cli.js'), 'train', corpus, '--out', out, '--steps', '2', '--hidden', '16', '--threads', '2', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const notices = r.stderr.split('\n').filter((l) => l.includes('using the JavaScript kernels'));
    assert.equal(notices.length, 1, r.stderr);
    assert.match(notices[0], /WebAssembly is not available/);
    const done = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'done');
    assert.equal(done.step, 2);
    fs.rmSync(out, { force: true });
  });

  it('CHAR_RNN_KERNELS=js forces the JavaScript kernels', () => {
    const r = spawnSync(process.execPath, ['-e', `process.env.CHAR_RNN_KERNELS='js'; const c = require(${JSON.stringify(path.join(root, 'dist', 'core.js'))}); console.log(c.defaultKernels().name)`], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'js-tiled', r.stderr);
  });

  it('WebAssembly SIMD is the default here', () => {
    const r = spawnSync(process.execPath, ['-e', `const c = require(${JSON.stringify(path.join(root, 'dist', 'core.js'))}); console.log(c.defaultKernels().name)`], { encoding: 'utf8' });
    assert.match(r.stdout.trim(), /^wasm-/, r.stderr);
  });
});

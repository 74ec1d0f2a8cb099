import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpointInWorker } from '../../../src/core/checkpoint/worker/load-in-worker';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';
import { fastKernels } from '../../../src/core/kernels/kernels';
import { createWasmKernels, WasmKernels } from '../../../src/core/kernels/wasm/backend';
import { allocChunk, backwardChunk, BpttBuffers, forwardChunk } from '../../../src/core/model/bptt';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/core/checkpoint/checkpoint';
import { contextRow, DirectConnections, DirectContext, DirectGradient, PAD } from '../../../src/core/model/direct-connections';
import { encodeSafetensors, TensorIn } from '../../../src/core/checkpoint/safetensors/encode';
import { decodeSafetensors } from '../../../src/core/checkpoint/safetensors/decode';
import { StreamSampler } from '../../../src/core/train/streams';
import { bitsPerChar } from '../../../src/core/model/bits-per-char';
import { RnnModel } from '../../../src/core/model/model';
import { Rng } from '../../../src/core/model/rng';
import { DIRECT_DECAY_EVERY, MAX_DIRECT_DECAY_PER_STEP, Trainer } from '../../../src/core/train/trainer';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src/core/checkpoint/training-state';
import { lettersVocab, textData } from '../../helpers/model';

describe('direct n-gram connections (RNNME)', () => {
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
    // a position before `start` reads as padding, like an id of PAD
    assert.equal(contextRow([7, 1, 2], 2, 3, 5000, 1), contextRow([PAD, 1, 2], 2, 3, 5000));
    // the table's rows: pinned too, orders 1 and 2 exact (they fit), 3 and 4 hashed into their regions
    const d = new DirectConnections({ orders: 4, rowsPerOrder: 2000, vocabSize: 30 });
    assert.deepEqual(Array.from(d.exact), [1, 1, 0, 0]);
    assert.deepEqual(Array.from(d.regionStart), [0, 31, 31 + 961, 31 + 961 + 2000, 31 + 961 + 4000]);
    const ctx = [5, 17, 3, 20, 3, 9];
    const hashed = (n: number) => contextRow(ctx, 5, n, 2000) - (n - 1) * 2000;
    assert.deepEqual(Array.from(d.rows(ctx, 5)), [9 + 1, 31 + (3 + 1) * 31 + (9 + 1), 992 + hashed(3), 2992 + hashed(4)]);
    assert.deepEqual(Array.from(d.rows(ctx, 5)), [10, 165, 2612, 3398]);
  });

  it('indexes the exact orders one row per context, padding included, and never reaches before a file start', () => {
    const V = 4;
    const d = new DirectConnections({ orders: 2, rowsPerOrder: 100, vocabSize: V });
    const seen = new Set<number>();
    for (let a = -1; a < V; a++) for (let b = 0; b < V; b++) seen.add(d.rows([a, b], 1)[1]);
    assert.equal(seen.size, (V + 1) * V, 'distinct contexts get distinct rows');
    assert.deepEqual(Array.from(d.rows([3, 2], 1, 1)), Array.from(d.rows([PAD, 2], 1)));
    // the sampler's contexts start at the file start: the first position of file 2 sees padding only
    const { vocab, data } = textData(['abab', 'baba']);
    const table = new DirectConnections({ orders: 3, rowsPerOrder: 1000, vocabSize: vocab.size });
    const sampler = new StreamSampler(data, vocab, 1, 0);
    const chunk = allocChunk(8, 1, undefined, vocab.size);
    const rows = new Int32Array(8 * 3);
    sampler.fill(chunk, 8, new Rng(3), { table, rows });
    for (let n = 0; n < 8; n++) {
      if (!chunk.reset[n]) continue;
      const first = Array.from(rows.subarray(n * 3, n * 3 + 3));
      assert.deepEqual(first, Array.from(table.rows([PAD, PAD, chunk.inputs[n]], 2)), `position ${n} starts a file: its context is padding`);
    }
  });

  it('fits the table in its memory budget with as many rows per order as possible', () => {
    for (const mb of [1, 16, 64]) {
      const config = DirectConnections.configForBudget(6, 97, mb);
      const rows = DirectConnections.layout(config).regionStart[6];
      assert.ok(rows * 97 * 4 <= mb * 2 ** 20, `${mb} MB`);
      const bigger = DirectConnections.layout({ ...config, rowsPerOrder: config.rowsPerOrder + 1 }).regionStart[6];
      assert.ok(bigger * 97 * 4 > mb * 2 ** 20, 'one more row per order would not fit');
    }
    assert.throws(() => DirectConnections.configForBudget(6, 97, 0), /positive number of megabytes/);
    assert.throws(() => new DirectConnections({ orders: 9, rowsPerOrder: 10, vocabSize: 5 }), /orders must be an integer from 1 to 8/);
  });

  it('has the gradient of the loss through the RNN\'s forward and backward passes: central differences on every touched entry', () => {
    const V = 6, H = 16, T = 5, B = 2, orders = 3;
    const model = RnnModel.create({ vocabSize: V, hiddenSize: H, layers: 1 }, lettersVocab(V), 1, defaultKernels()).toFloat64();
    for (let i = 0; i < model.params.length; i++) model.params[i] *= 3;
    const d = new DirectConnections({ orders, rowsPerOrder: 11, vocabSize: V });
    const rng = new Rng(4);
    for (let i = 0; i < d.table.length; i++) d.table[i] = rng.gaussian();
    const chunk = allocChunk(T, B, undefined, V);
    const seq = Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => 1 + rng.nextInt(V - 1)));
    const rows = new Int32Array(T * B * orders);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const n = t * B + b;
        chunk.inputs[n] = seq[b][t];
        chunk.targets[n] = seq[b][t + 1];
        chunk.reset[n] = t === 0 ? 1 : 0;
        chunk.weight[n] = n === 3 ? 0 : 1;
        d.rowsAt(seq[b], t, 0, rows, n * orders);
      }
    }
    const buf = new BpttBuffers(model, T, B);
    const lossSum = () => {
      for (let n = 0; n < T * B; n++) {
        chunk.bias!.fill(0, n * V, (n + 1) * V);
        d.addRows(chunk.bias!, n * V, rows, n * orders);
      }
      buf.resetCarry();
      const l = forwardChunk(model, buf, chunk) * buf.lastWeight;
      buf.forwardDone = false;
      return l;
    };
    lossSum();
    buf.forwardDone = true;
    backwardChunk(model, buf, chunk, new Float64Array(model.params.length));
    const grad = new DirectGradient(V, T * B * orders);
    for (let n = 0; n < T * B; n++) if (chunk.weight[n] > 0) grad.add(rows, n * orders, orders, buf.probs, n * V, buf.lastWeight);
    assert.ok(grad.count > 3);
    for (let s = 0; s < grad.count; s++) {
      for (let v = 0; v < V; v++) {
        const i = grad.rows[s] * V + v;
        const p = d.table[i];
        d.table[i] = p + 1e-2;
        const up = d.table[i];
        const lp = lossSum();
        d.table[i] = p - 1e-2;
        const down = d.table[i];
        const lm = lossSum();
        d.table[i] = p;
        const numeric = (lp - lm) / (up - down);
        const analytic = grad.data[s * V + v];
        assert.ok(Math.abs(numeric - analytic) < 1e-4 * (1 + Math.abs(analytic)), `row ${grad.rows[s]}, symbol ${v}: ${numeric} vs ${analytic}`);
      }
    }
  });

  it('updates only the touched rows, exactly as a dense row-wise Adagrad update of the whole table would', () => {
    const V = 4;
    const sparse = new DirectConnections({ orders: 2, rowsPerOrder: 5, vocabSize: V });
    const dense = new DirectConnections({ orders: 2, rowsPerOrder: 5, vocabSize: V });
    const R = sparse.rowCount;
    const rng = new Rng(5);
    for (let i = 0; i < sparse.table.length; i++) dense.table[i] = sparse.table[i] = rng.gaussian();
    const denseAcc = new Float64Array(R);
    for (let step = 0; step < 3; step++) {
      const grad = new DirectGradient(V, 4);
      const full = new Float64Array(R * V);
      for (let k = 0; k < 3; k++) {
        const row = rng.nextInt(R);
        const g = Float32Array.from({ length: V }, () => rng.gaussian());
        grad.add([row], 0, 1, g, 0, 1);
        for (let v = 0; v < V; v++) full[row * V + v] += g[v];
      }
      sparse.update(grad, 0.1);
      // dense: every row, with a zero gradient where untouched (its accumulator then does not change)
      for (let r = 0; r < R; r++) {
        let sq = 0;
        for (let v = 0; v < V; v++) sq += full[r * V + v] ** 2;
        denseAcc[r] = Math.fround(denseAcc[r] + sq / V);
        const stepSize = 0.1 / Math.sqrt(denseAcc[r] + 1e-10);
        for (let v = 0; v < V; v++) dense.table[r * V + v] -= stepSize * full[r * V + v];
      }
    }
    for (let i = 0; i < sparse.table.length; i++) assert.ok(Math.abs(sparse.table[i] - dense.table[i]) < 1e-6, `entry ${i}`);
  });

  it('adds the same term at inference as in training: bits per character from the chunk path equal those from stepping with a history', () => {
    const texts = ['for (let i = 0; i < n; i++) x += i;\n', 'let y = x + 1;\n'];
    const { vocab, data } = textData(texts);
    const trainer = Trainer.create(vocab, data, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, seqLength: 8, batchSize: 2, directOrders: 4, directMB: 1 }, defaultKernels());
    for (let i = 0; i < 20; i++) trainer.trainStep();
    const model = trainer.model;
    assert.ok(model.direct && model.direct.table.some((x) => x !== 0));
    const chunked = bitsPerChar(model, data, { T: 5, B: 2 });
    // the same by hand: one character at a time, the history from a DirectContext
    let nats = 0, chars = 0;
    for (let f = 0; f < texts.length; f++) {
      const ids = data.tokens.subarray(data.starts[f], data.starts[f + 1]);
      const ctx = new DirectContext(model.direct!, 1);
      const state = new Float32Array(16);
      const logits = new Float64Array(vocab.size);
      for (let p = 0; p + 1 < ids.length; p++) {
        const y = stepOutputs(model, state, ids[p]);
        ctx.push(0, ids[p]);
        logits.set(y);
        ctx.addTo(logits);
        const max = Math.max(...logits);
        let sum = 0;
        for (const l of logits) sum += Math.exp(l - max);
        nats += max + Math.log(sum) - logits[ids[p + 1]];
        chars++;
      }
    }
    assert.equal(chunked.chars, chars);
    assert.ok(Math.abs(chunked.bitsPerChar - nats / chars / Math.LN2) < 1e-4, `${chunked.bitsPerChar} vs ${nats / chars / Math.LN2}`);
    trainer.dispose();
  });

  it('decays the whole table every DIRECT_DECAY_EVERY steps by exp(-directDecay x DIRECT_DECAY_EVERY / steps per pass), and only then', () => {
    const texts = ['for (let i = 0; i < n; i++) x += i;\n', 'let y = x + 1;\n'];
    const { vocab, data } = textData(texts);
    const settings = { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, seqLength: 8, batchSize: 2, directOrders: 3, directMB: 1 };
    const plain = Trainer.create(vocab, data, undefined, { ...settings, directDecay: 0 }, defaultKernels());
    const decayed = Trainer.create(vocab, data, undefined, { ...settings, directDecay: 0.001 }, defaultKernels());
    for (let i = 0; i < DIRECT_DECAY_EVERY - 1; i++) {
      plain.trainStep();
      decayed.trainStep();
    }
    assert.deepEqual(decayed.model.direct!.table, plain.model.direct!.table, 'no decay before the period ends');
    plain.trainStep();
    decayed.trainStep();
    // a pass is the training characters over B x T = 16 a step
    const factor = Math.exp(-(0.001 / (data.tokens.length / 16)) * DIRECT_DECAY_EVERY);
    assert.ok(0.001 / (data.tokens.length / 16) < MAX_DIRECT_DECAY_PER_STEP);
    assert.equal(decayed.directDecayFactor(1), factor);
    assert.ok(factor > 0 && factor < 1);
    const expected = plain.model.direct!.table.map((x) => x * factor);
    assert.ok(expected.some((x) => x !== 0));
    assert.deepEqual(decayed.model.direct!.table, expected);
    // on a tiny corpus the default 0.5 a pass (a pass of a few steps) is capped at 0.001 a step
    const capped = Trainer.create(vocab, data, undefined, settings, defaultKernels());
    assert.equal(capped.directDecayFactor(1), Math.exp(-MAX_DIRECT_DECAY_PER_STEP * DIRECT_DECAY_EVERY));
    assert.equal(capped.directDecayFactor(0.5), Math.exp(-MAX_DIRECT_DECAY_PER_STEP * 0.5 * DIRECT_DECAY_EVERY));
    capped.dispose();
    assert.throws(() => Trainer.create(vocab, data, undefined, { ...settings, directDecay: 11 }, defaultKernels()), /directDecay must be from 0 to 10, got 11/);
    plain.dispose();
    decayed.dispose();
  });

  it('lowers the training loss below the plain RNN\'s on text the table can memorise', () => {
    const texts = Array.from({ length: 6 }, (_, i) => `function f${i}(alpha, beta) { return alpha * beta + ${i}; }\n`);
    const { vocab, data } = textData(texts);
    const run = (directOrders: number) => {
      const t = Trainer.create(vocab, data, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, seqLength: 16, batchSize: 4, directOrders, directMB: 2 }, defaultKernels());
      for (let i = 0; i < 60; i++) t.trainStep();
      const bpc = bitsPerChar(t.model, data).bitsPerChar;
      t.dispose();
      return bpc;
    };
    const plain = run(0), direct = run(6);
    assert.ok(direct < plain - 0.3, `with direct connections ${direct.toFixed(3)} bits/char, without ${plain.toFixed(3)}`);
  });

  describe('checkpoints', () => {
    const texts = ['abc abd abe\n', 'bcd bce\n'];
    const trained = () => {
      const { vocab, data } = textData(texts);
      const t = Trainer.create(vocab, data, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, seqLength: 8, batchSize: 2, directOrders: 3, directMB: 1 }, defaultKernels());
      for (let i = 0; i < 5; i++) t.trainStep();
      return t;
    };

    it('round-trips the table (me.weight) and its optimizer state exactly, and resumes with them', () => {
      const t = trained();
      const bytes = encodeCheckpoint(t.model, t.snapshot());
      const { tensors, metadata } = decodeSafetensors(bytes);
      assert.deepEqual(tensors['me.weight'].shape, [t.model.direct!.rowCount, t.model.config.vocabSize]);
      assert.deepEqual(JSON.parse(metadata.direct), { orders: 3, rowsPerOrder: t.model.direct!.config.rowsPerOrder, hash: 'fnv1a16-exact-low' });
      const loaded = decodeCheckpoint(bytes, 'checkpoint', defaultKernels());
      assert.deepEqual(loaded.model.direct!.config, t.model.direct!.config);
      const raw = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      assert.deepEqual(raw(loaded.model.direct!.table), raw(t.model.direct!.table));
      assert.deepEqual(Array.from(loaded.training!.directSumSq!), Array.from(t.model.direct!.rowSumSq!));
      // resuming continues exactly as the uninterrupted run
      const { vocab, data } = textData(texts);
      const resumed = Trainer.resume(loaded.model, loaded.training!, data, undefined);
      assert.equal(resumed.resumedExactly, true);
      resumed.trainStep();
      t.trainStep();
      assert.deepEqual(Array.from(resumed.model.direct!.table), Array.from(t.model.direct!.table));
      assert.equal(vocab.size, t.model.config.vocabSize);
      t.dispose();
      resumed.dispose();
    });

    it('loads a checkpoint without direct connections as a plain RNN, and refuses a table that does not fit', () => {
      const t = trained();
      const plainModel = t.model;
      const direct = plainModel.direct;
      plainModel.direct = undefined;
      const plain = decodeCheckpoint(encodeCheckpoint(plainModel), 'checkpoint', defaultKernels());
      assert.equal(plain.model.direct, undefined);
      assert.deepEqual(Array.from(plain.model.params), Array.from(plainModel.params));
      plainModel.direct = direct;
      const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(plainModel));
      const rewrite = (change: (t: Record<string, TensorIn>, m: Record<string, string>) => void) => {
        const ts: Record<string, TensorIn> = { ...tensors } as Record<string, TensorIn>;
        const ms = { ...metadata };
        delete ms.crc32;
        change(ts, ms);
        return encodeSafetensors(ts, ms);
      };
      assert.throws(() => decodeCheckpoint(rewrite((_, m) => delete m.direct), 'checkpoint', defaultKernels()), /'me.weight' needs the metadata 'direct'/);
      assert.throws(() => decodeCheckpoint(rewrite((_, m) => (m.direct = JSON.stringify({ orders: 3, rowsPerOrder: 7, hash: 'fnv1a16-exact-low' }))), 'checkpoint', defaultKernels()), /tensor 'me.weight' has shape \[\d+, \d+\], expected \[/);
      assert.throws(() => decodeCheckpoint(rewrite((_, m) => (m.direct = JSON.stringify({ orders: 3, rowsPerOrder: 7, hash: 'murmur' }))), 'checkpoint', defaultKernels()), /hashed with 'murmur'/);
      assert.throws(() => decodeCheckpoint(rewrite((ts) => (ts['me.extra'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) })), 'checkpoint', defaultKernels()), /tensor 'me.extra' is not a direct-connection tensor/);
      // a refused file gives the memory it took back to the kernels
      const kn = createWasmKernels();
      const inUse = kn.heap!.inUse;
      assert.throws(() => decodeCheckpoint(rewrite((_, m) => delete m.direct), 'bad', kn), /needs the metadata 'direct'/);
      assert.equal(kn.heap!.inUse, inUse);
      t.dispose();
    });
  });
});

/** The logits (V) of one step of a one-layer model, by hand (the reference for the chunk path). */
function stepOutputs(model: RnnModel, state: Float32Array, x: number): Float64Array {
  const { vocabSize: V, hiddenSize: H } = model.config;
  const { Wxh, Whh, bh, Why, by } = model.w;
  const next = new Float64Array(H);
  for (let i = 0; i < H; i++) {
    let u = Wxh[0][i * V + x] + bh[0][i];
    for (let j = 0; j < H; j++) u += Whh[0][i * H + j] * state[j];
    next[i] = Math.tanh(u);
  }
  state.set(next);
  const y = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    let s = by[v];
    for (let i = 0; i < H; i++) s += Why[v * H + i] * state[i];
    y[v] = s;
  }
  return y;
}

describe('loading a checkpoint in a worker thread (the extension host never decodes a large file itself)', () => {
  it('gives the same model, direct connections included, and the training state without the optimizer arrays', async () => {
    const { vocab, data } = textData(['abc abd abe\n', 'bcd bce\n']);
    const t = Trainer.create(vocab, data, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, seqLength: 8, batchSize: 2, directOrders: 3, directMB: 1 }, defaultKernels());
    for (let i = 0; i < 5; i++) t.trainStep();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-load-'));
    const file = path.join(dir, 'model.safetensors');
    fs.writeFileSync(file, encodeCheckpoint(t.model, t.snapshot()));
    const loaded = await loadCheckpointInWorker(file, defaultKernels());
    assert.deepEqual(Array.from(loaded.model.params), Array.from(t.model.params));
    assert.deepEqual(loaded.model.direct!.config, t.model.direct!.config);
    assert.deepEqual(Array.from(loaded.model.direct!.table), Array.from(t.model.direct!.table));
    assert.deepEqual([...loaded.model.vocab.symbols], [...vocab.symbols]);
    assert.equal(loaded.training!.step, 5);
    assert.deepEqual(loaded.training!.optimizer.state, {});
    assert.equal(loaded.bytes, fs.statSync(file).size);
    // a broken file: the checkpoint's own error, by name and message; a missing one: ENOENT
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 5] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await assert.rejects(loadCheckpointInWorker(file, defaultKernels()), (err: Error) => err.name === 'CheckpointFormatError' && /checksum mismatch/.test(err.message));
    await assert.rejects(loadCheckpointInWorker(path.join(dir, 'none.safetensors'), defaultKernels()), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
    fs.rmSync(dir, { recursive: true, force: true });
    t.dispose();
  });
});

describe('the direct connections\' row kernels', () => {
  it('WebAssembly SIMD computes what the JavaScript kernels do (sum of rows, scatter-add, row-wise Adagrad)', () => {
    const wasm = defaultKernels();
    assert.ok(wasm instanceof WasmKernels, 'this machine runs WebAssembly SIMD');
    const V = 13, R = 3, N = 7, rows = 20;
    const rng = new Rng(9);
    const fill = (a: Float32Array) => { for (let i = 0; i < a.length; i++) a[i] = rng.gaussian(); return a; };
    const table = fill(new Float32Array(rows * V));
    const ids = Int32Array.from({ length: N * R }, () => rng.nextInt(rows));
    const close = (a: Float32Array, b: Float32Array, tol: number) => {
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `entry ${i}: ${a[i]} vs ${b[i]}`);
    };
    const inWasm = <A extends Float32Array | Int32Array>(a: A): A => {
      const w = (a instanceof Float32Array ? wasm.allocF32(a.length) : wasm.allocI32(a.length)) as A;
      w.set(a as never);
      return w;
    };
    // sum of rows
    const outJs = new Float32Array(N * V);
    fastKernels.sumRows(outJs, table, ids, N, R, V);
    const outW = wasm.allocF32(N * V);
    wasm.sumRows(outW, inWasm(table), inWasm(ids), N, R, V);
    close(outW, outJs, 0);
    assert.ok(Math.abs(outJs[V + 2] - (table[ids[R] * V + 2] + table[ids[R + 1] * V + 2] + table[ids[R + 2] * V + 2])) < 1e-5);
    // scatter-add into slots, skipping positions of weight 0
    const dy = fill(new Float32Array(N * V));
    const weights = Float32Array.from({ length: N }, (_, n) => (n === 2 ? 0 : 1));
    const slots = Int32Array.from({ length: N * R }, () => rng.nextInt(5));
    const gJs = new Float32Array(5 * V);
    fastKernels.scatterAddRows(gJs, slots, dy, weights, N, R, V, 3);
    const gW = wasm.allocF32(5 * V);
    wasm.scatterAddRows(gW, inWasm(slots), inWasm(dy), inWasm(weights), N, R, V, 3);
    close(gW, gJs, 1e-6);
    // row-wise Adagrad
    const acc = fill(new Float32Array(rows)).map(Math.abs);
    const which = Int32Array.from([4, 0, 17, 9, 11]);
    const tJs = Float32Array.from(table), aJs = Float32Array.from(acc);
    fastKernels.adagradRows(tJs, aJs, gJs, which, 5, V, 0.1);
    const tW = inWasm(table), aW = inWasm(acc);
    wasm.adagradRows(tW, aW, inWasm(gJs), inWasm(which), 5, V, 0.1);
    close(aW, aJs, 1e-6);
    close(tW, tJs, 1e-6);
    assert.notDeepEqual(Array.from(tJs), Array.from(table));
  });

  it('trains the same table with one thread or two', () => {
    const texts = Array.from({ length: 8 }, (_, i) => `const value${i} = compute(${i}, other${i});\n`);
    const { vocab, data } = textData(texts);
    const run = (threads: number) => {
      const t = Trainer.create(vocab, data, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, seqLength: 8, batchSize: 4, directOrders: 4, directMB: 1, threads }, defaultKernels());
      for (let i = 0; i < 6; i++) t.trainStep();
      const table = Float32Array.from(t.model.direct!.table);
      t.dispose();
      return table;
    };
    const one = run(1), two = run(2);
    let maxDiff = 0;
    for (let i = 0; i < one.length; i++) maxDiff = Math.max(maxDiff, Math.abs(one[i] - two[i]));
    assert.ok(one.some((x) => x !== 0));
    assert.ok(maxDiff < 1e-4, `largest difference ${maxDiff}`);
  });
});

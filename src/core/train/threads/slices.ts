/**
 * Data-parallel training steps: the batch's B streams split into contiguous slices, one per thread.
 * The main thread works on slice 0 while worker threads work on the others, each with its own
 * activations and gradient in the shared WebAssembly memory; the gradients are then summed in slice
 * order, so a given thread count always gives the same result.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { allocChunk, backwardChunk, BpttBuffers, Chunk, forwardChunk, freeChunk } from '../../model/bptt';
import { Kernels, SharedKernelMemory } from '../../kernels/kernels';
import { RnnModel } from '../../model/model';
import { DirectGradient } from '../../model/direct-connections';
import { Command, COMMAND, DONE, Placed, WorkerInit } from './train-worker-protocol';

/** How long the main thread waits for a worker's step before calling it lost. */
const STEP_TIMEOUT_MS = 120_000;

interface Slice {
  /** first stream of the slice */
  b0: number;
  B: number;
  buf: BpttBuffers<Float32Array>;
  chunk: Chunk;
  grad: Float32Array;
  /** a worker slice's arrays that the main thread allocated for it */
  owned: (Float32Array | Int32Array)[];
  worker?: Worker;
  control?: Int32Array;
  result?: Float64Array;
  failure?: string;
}

export class SlicedSteps {
  readonly slices: Slice[];
  readonly model: RnnModel;
  readonly T: number;
  readonly B: number;
  private disposed = false;

  /** `withBias`: the chunks carry a logit bias (direct connections) */
  constructor(model: RnnModel, T: number, B: number, threads: number, withBias = false) {
    this.model = model;
    this.T = T;
    this.B = B;
    const kn = model.kernels;
    // several threads share the WebAssembly memory; the JavaScript fallback trains on one
    const n = kn.shared ? Math.max(1, Math.min(threads, B)) : 1;
    this.slices = [];
    for (let s = 0; s < n; s++) {
      const b0 = Math.floor((s * B) / n), b1 = Math.floor(((s + 1) * B) / n);
      const placed: Placed[] = [];
      const owned: Float32Array[] = [];
      const buf = new BpttBuffers(model, T, b1 - b0, s === 0 ? undefined : (len) => {
        const a = kn.allocF32(len);
        placed.push({ byteOffset: a.byteOffset, length: len });
        owned.push(a);
        return a;
      });
      const chunk = allocChunk(T, b1 - b0, kn, withBias ? model.config.vocabSize : undefined);
      const slice: Slice = { b0, B: b1 - b0, buf, chunk, grad: kn.allocF32(model.params.length), owned };
      if (s > 0) this.startWorker(slice, placed, kn, kn.shared!);
      this.slices.push(slice);
    }
  }

  private startWorker(slice: Slice, buffers: Placed[], kn: Kernels, shared: SharedKernelMemory): void {
    const at = (a: { byteOffset: number; length: number }): Placed => ({ byteOffset: a.byteOffset, length: a.length });
    slice.control = kn.allocI32(2);
    const result = kn.allocF32(4); // 16 bytes, 16-aligned: room for two float64s
    slice.owned.push(slice.control, result);
    slice.result = new Float64Array(result.buffer, result.byteOffset, 2);
    const init: WorkerInit = {
      memory: shared.memory,
      variant: shared.variant,
      config: this.model.config,
      vocab: this.model.vocab.symbols,
      seqLength: this.T,
      batch: slice.B,
      params: at(this.model.params),
      grad: at(slice.grad),
      buffers,
      chunk: { inputs: at(slice.chunk.inputs), targets: at(slice.chunk.targets), reset: at(slice.chunk.reset), weight: at(slice.chunk.weight), bias: slice.chunk.bias ? at(slice.chunk.bias) : undefined },
      control: at(slice.control),
      result: { byteOffset: result.byteOffset, length: 2 },
    };
    const worker = new Worker(path.join(__dirname, 'train-worker.js'), { workerData: init });
    worker.on('message', (m: { error?: string }) => {
      if (m.error) slice.failure = m.error;
    });
    worker.on('error', (err) => {
      slice.failure = err.stack ?? String(err);
    });
    worker.unref();
    slice.worker = worker;
  }

  /**
   * One forward and backward pass over `full` (T, B), split between the threads. Leaves the summed
   * gradient in `gradient` and returns the loss summed over weighted positions and their weight.
   */
  step(full: Chunk): { lossSum: number; weight: number } {
    if (this.disposed) throw new Error('the training threads were stopped');
    const { T, B } = this;
    let weight = 0;
    for (let n = 0; n < T * B; n++) weight += full.weight[n];
    for (const s of this.slices) scatter(full, s, T, B);
    for (const s of this.slices.slice(1)) {
      s.result![0] = weight;
      Atomics.store(s.control!, DONE, 0);
      Atomics.store(s.control!, COMMAND, Command.Step);
      Atomics.notify(s.control!, COMMAND);
    }
    const main = this.slices[0];
    main.grad.fill(0);
    forwardChunk(this.model, main.buf, main.chunk);
    backwardChunk(this.model, main.buf, main.chunk, main.grad, weight);
    let lossSum = main.buf.lastLoss * main.buf.lastWeight;
    for (const s of this.slices.slice(1)) {
      const started = Date.now();
      while (Atomics.load(s.control!, DONE) === 0) {
        Atomics.wait(s.control!, DONE, 0, 1000);
        if (Date.now() - started > STEP_TIMEOUT_MS) throw new Error('a training thread stopped answering');
      }
      if (Atomics.load(s.control!, DONE) < 0) throw new Error(`a training thread failed${s.failure ? `: ${s.failure.split('\n')[0]}` : ''}`);
      lossSum += s.result![1];
      const g = main.grad, gs = s.grad;
      for (let i = 0; i < g.length; i++) g[i] += gs[i];
    }
    return { lossSum, weight };
  }

  /**
   * The direct connections' term of the next step: each slice's logit bias, (T, slice B, V), becomes the
   * sum of its positions' rows of `table`; `rows` (N, R) are the full chunk's, row n = t * B + b.
   */
  sumDirect(table: Float32Array, rows: Int32Array, R: number): void {
    const V = this.model.config.vocabSize, kn = this.model.kernels;
    for (const s of this.slices) {
      const bias = s.chunk.bias!;
      if (s.B === this.B) kn.sumRows(bias, table, rows, this.T * this.B, R, V); // one slice: the chunk as it is
      else for (let t = 0; t < this.T; t++) kn.sumRows(bias.subarray(t * s.B * V, (t + 1) * s.B * V), table, rows.subarray((t * this.B + s.b0) * R, (t * this.B + s.b0 + s.B) * R), s.B, R, V);
    }
  }

  /**
   * The direct connections' gradient of the last step: adds scale * dy of every position of the full
   * chunk into the slots `grad.assign` gave its rows (each slice's logit buffer holds its dy after the
   * backward pass, the loss being the batch mean). Positions are added in the order of t, then b, so the
   * sums do not depend on the thread count.
   */
  scatterDirect(grad: DirectGradient, R: number, weights: Float32Array, scale: number): void {
    const V = this.model.config.vocabSize;
    if (this.slices.length === 1) return grad.scatter(0, this.T * this.B, R, this.slices[0].buf.probs, weights, scale); // the same order in one call
    for (let t = 0; t < this.T; t++) {
      for (const s of this.slices) grad.scatter(t * this.B + s.b0, s.B, R, s.buf.probs.subarray(t * s.B * V, (t + 1) * s.B * V), weights, scale);
    }
  }

  /** The summed gradient of the last step. */
  get gradient(): Float32Array {
    return this.slices[0].grad;
  }

  /** The carried state of every stream, (L, B, H). */
  getCarry(): Float32Array {
    const { layers: L, hiddenSize: H } = this.model.config;
    const out = new Float32Array(L * this.B * H);
    for (const s of this.slices) for (let l = 0; l < L; l++) out.set(s.buf.carry[l], (l * this.B + s.b0) * H);
    return out;
  }

  setCarry(carry: Float32Array): void {
    const { layers: L, hiddenSize: H } = this.model.config;
    for (const s of this.slices) for (let l = 0; l < L; l++) s.buf.carry[l].set(carry.subarray((l * this.B + s.b0) * H, (l * this.B + s.b0 + s.B) * H));
  }

  /** Stops the workers and gives the buffers back. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const kn = this.model.kernels;
    for (const s of this.slices) {
      if (s.worker) {
        Atomics.store(s.control!, COMMAND, Command.Exit);
        Atomics.notify(s.control!, COMMAND);
        void s.worker.terminate();
      }
      s.buf.release();
      for (const a of s.owned) kn.free(a);
      freeChunk(s.chunk, kn);
      kn.free(s.grad);
    }
  }
}

/** Copies streams [b0, b0 + s.B) of a (T, B) chunk into the slice's (T, s.B) chunk. */
function scatter(full: Chunk, s: Slice, T: number, B: number): void {
  for (let t = 0; t < T; t++) {
    const from = t * B + s.b0, to = t * s.B;
    s.chunk.inputs.set(full.inputs.subarray(from, from + s.B), to);
    s.chunk.targets.set(full.targets.subarray(from, from + s.B), to);
    s.chunk.reset.set(full.reset.subarray(from, from + s.B), to);
    s.chunk.weight.set(full.weight.subarray(from, from + s.B), to);
  }
}

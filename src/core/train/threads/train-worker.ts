/**
 * A training worker thread: forward and backward passes for its slice of the batch, on the main
 * thread's shared WebAssembly memory, woken through Atomics for each step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { backwardChunk, BpttBuffers, forwardChunk } from '../../model/bptt';
import { RnnModel } from '../../model/model';
import { Vocab } from '../../model/vocab';
import { attachWasmKernels } from '../../kernels/wasm/backend';
import { Command, COMMAND, DONE, Placed, WorkerInit } from './train-worker-protocol';

function run(init: WorkerInit): void {
  const { memory } = init;
  const kernels = attachWasmKernels(memory, init.variant);
  const buffer = memory.buffer;
  const f32 = (p: Placed) => new Float32Array(buffer, p.byteOffset, p.length);
  const model = new RnnModel(init.config, new Vocab(init.vocab), f32(init.params), kernels);
  let next = 0;
  const buf = new BpttBuffers(model, init.seqLength, init.batch, (n) => {
    const p = init.buffers[next++];
    if (!p || p.length !== n) throw new Error('worker buffer layout does not match the main thread');
    return f32(p);
  });
  const chunk = {
    inputs: new Int32Array(buffer, init.chunk.inputs.byteOffset, init.chunk.inputs.length),
    targets: new Int32Array(buffer, init.chunk.targets.byteOffset, init.chunk.targets.length),
    reset: new Uint8Array(buffer, init.chunk.reset.byteOffset, init.chunk.reset.length),
    weight: f32(init.chunk.weight),
    bias: init.chunk.bias ? f32(init.chunk.bias) : undefined,
  };
  const grad = f32(init.grad);
  const control = new Int32Array(buffer, init.control.byteOffset, 2);
  const result = new Float64Array(buffer, init.result.byteOffset, 2);
  for (;;) {
    Atomics.wait(control, COMMAND, Command.Idle);
    const command = Atomics.load(control, COMMAND);
    if (command === Command.Exit) return;
    if (command !== Command.Step) continue;
    let done = 1;
    try {
      grad.fill(0);
      forwardChunk(model, buf, chunk);
      backwardChunk(model, buf, chunk, grad, result[0]);
      result[1] = buf.lastLoss * buf.lastWeight;
    } catch (err) {
      parentPort?.postMessage({ error: (err as Error).stack ?? String(err) });
      done = -1;
    }
    Atomics.store(control, COMMAND, Command.Idle);
    Atomics.store(control, DONE, done);
    Atomics.notify(control, DONE);
  }
}

try {
  run(workerData as WorkerInit);
} catch (err) {
  parentPort?.postMessage({ error: (err as Error).stack ?? String(err) });
  throw err;
}

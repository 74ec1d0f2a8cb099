/**
 * The boundary between the trainer and its worker threads: what a worker is given when it starts, and
 * the control words both sides read and write in the shared memory. Every array named here lives in
 * the main thread's WebAssembly memory; a worker maps views onto the same offsets.
 */
import type { ModelConfig } from '../../model/model';

/** A typed array's place in the shared memory. */
export interface Placed {
  byteOffset: number;
  length: number;
}

/** `workerData` of a training worker thread. */
export interface WorkerInit {
  memory: WebAssembly.Memory;
  variant: 'simd' | 'relaxed-simd';
  config: ModelConfig;
  vocab: readonly string[];
  /** T */
  seqLength: number;
  /** this worker's streams */
  batch: number;
  params: Placed;
  grad: Placed;
  /** the BpttBuffers arrays, in their allocation order */
  buffers: Placed[];
  chunk: { inputs: Placed; targets: Placed; reset: Placed; weight: Placed; bias?: Placed };
  /** Int32 (2): [command, done] */
  control: Placed;
  /** Float64 (2): [weight of the whole batch (in), this slice's summed loss (out)] */
  result: Placed;
}

/** control[COMMAND] values */
export const enum Command {
  Idle = 0,
  Step = 1,
  Exit = 2,
}

export const COMMAND = 0;
export const DONE = 1;

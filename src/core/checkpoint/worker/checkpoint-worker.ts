/**
 * A worker thread that reads and decodes a checkpoint for inference, so that the thread that asked
 * (the extension host) never blocks on a large file: it gets the parameter arrays transferred, not
 * copied. See load-in-worker.ts for the other side.
 */
import { promises as fsp } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { loadCheckpoint } from '../checkpoint';
import { fastKernels } from '../../kernels/kernels';
import { CheckpointReply, CheckpointRequest } from './checkpoint-worker-protocol';

async function main(request: CheckpointRequest): Promise<void> {
  try {
    // only a regular file, read no further than it holds (never a FIFO, which would block this thread)
    const { model, training, metadata } = await loadCheckpoint(request.path, fastKernels);
    const stat = await fsp.stat(request.path);
    // what inference needs: the optimizer state stays behind
    if (training) {
      training.optimizer = { ...training.optimizer, state: {} };
      training.directSumSq = undefined;
    }
    const own = (a: Float32Array) => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice());
    const params = own(model.params);
    const table = model.direct ? own(model.direct.table) : undefined;
    const reply: CheckpointReply = {
      ok: true,
      config: model.config,
      symbols: [...model.vocab.symbols],
      params,
      direct: model.direct && table ? { config: model.direct.config, table } : undefined,
      training,
      metadata,
      bytes: stat.size,
      mtimeMs: stat.mtimeMs,
    };
    parentPort!.postMessage(reply, table ? [params.buffer as ArrayBuffer, table.buffer as ArrayBuffer] : [params.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reply: CheckpointReply = { ok: false, name: e.name, code: e.code, message: e.message };
    parentPort!.postMessage(reply);
  }
}

void main(workerData as CheckpointRequest);

/**
 * Reading a checkpoint for inference without blocking the calling thread: a worker thread reads the
 * file, checks and decodes it, and transfers the parameters back. A large model (a direct-connection
 * table of 64 MB takes ~250 ms to decode) then costs the caller only the copy of the RNN's parameters
 * into its kernels' memory.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CheckpointFormatError, LoadedCheckpoint } from '../checkpoint';
import { DirectConnections } from '../../model/direct-connections';
import { Kernels } from '../../kernels/kernels';
import { RnnModel } from '../../model/model';
import { Vocab } from '../../model/vocab';
import { CheckpointReply, CheckpointRequest } from './checkpoint-worker-protocol';

export interface LoadedForInference extends LoadedCheckpoint {
  /** the file's size in bytes and its modification time */
  bytes: number;
  mtime: Date;
}

/**
 * Loads the checkpoint at `file` in a worker thread; the training state comes without the optimizer's
 * arrays. A file that is not a valid checkpoint rejects with a CheckpointFormatError, a missing file
 * with an error whose `code` is 'ENOENT'.
 */
export function loadCheckpointInWorker(file: string, kernels: Kernels, workerScript = path.join(__dirname, 'checkpoint-worker.js')): Promise<LoadedForInference> {
  return new Promise((resolve, reject) => {
    const request: CheckpointRequest = { path: file };
    const worker = new Worker(workerScript, { workerData: request });
    let settled = false;
    worker.once('message', (reply: CheckpointReply) => {
      settled = true;
      void worker.terminate();
      if (!reply.ok) {
        const err: NodeJS.ErrnoException = reply.name === 'CheckpointFormatError' ? new CheckpointFormatError(reply.message) : new Error(reply.message);
        if (reply.code) err.code = reply.code;
        reject(err);
        return;
      }
      let params: Float32Array | undefined;
      try {
        const vocab = new Vocab(reply.symbols);
        params = kernels.allocF32(reply.params.length);
        params.set(reply.params);
        const model = new RnnModel(reply.config, vocab, params, kernels);
        if (reply.direct) model.direct = new DirectConnections(reply.direct.config, reply.direct.table);
        resolve({ model, training: reply.training, metadata: reply.metadata, bytes: reply.bytes, mtime: new Date(reply.mtimeMs) });
      } catch (err) {
        if (params) kernels.free(params);
        reject(err);
      }
    });
    worker.once('error', (err) => {
      if (!settled) reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the checkpoint reader stopped (exit code ${code})`));
    });
  });
}

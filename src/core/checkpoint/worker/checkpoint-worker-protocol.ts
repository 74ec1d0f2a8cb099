/** Messages between a thread and the checkpoint-reading worker (checkpoint-worker.ts). */
import type { DirectConfig } from '../../model/direct-connections';
import type { ModelConfig } from '../../model/model';
import type { TrainingState } from '../training-state';

export interface CheckpointRequest {
  path: string;
}

export type CheckpointReply =
  | {
      ok: true;
      config: ModelConfig;
      symbols: string[];
      /** (P) every parameter, transferred */
      params: Float32Array;
      /** the direct connections' table, transferred */
      direct?: { config: DirectConfig; table: Float32Array};
      /** the training state without the optimizer's arrays */
      training?: TrainingState;
      metadata: Record<string, string>;
      /** the file's size and modification time */
      bytes: number;
      mtimeMs: number;
    }
  | { ok: false; name: string; code?: string; message: string };

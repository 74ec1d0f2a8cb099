/**
 * A training step's memory: the bytes its buffers take from the shapes alone, the limit of the kernels'
 * memory they must fit in (checked before a run starts, with a message saying what to lower), and the
 * placement of the direct-connection table in the kernels' memory where it fits.
 */
import { Kernels } from '../kernels/kernels';
import { MAX_PAGES } from '../kernels/wasm/backend';
import { DirectConfig, DirectConnections } from '../model/direct-connections';
import { ModelConfig } from '../model/model';
import { TrainSettings } from '../checkpoint/training-state';

/**
 * The bytes a training step's buffers take in the kernels' memory, from the shapes alone: per position
 * of the batch (N = B x T) the activations of every layer, the probabilities and the transposed operands
 * (bptt.ts), the chunk, and with direct connections its bias, rows and sparse gradient; per thread a
 * gradient and a transposed weight matrix; the parameters. The direct-connection table is not counted:
 * it goes where there is room (inKernelMemory).
 */
export function trainingStepBytes(config: ModelConfig, settings: Pick<TrainSettings, 'seqLength' | 'batchSize' | 'threads' | 'directOrders'>): number {
  const { vocabSize: V, hiddenSize: H, layers: L } = config;
  const { seqLength: T, batchSize: B, directOrders: orders } = settings;
  const N = T * B;
  const threads = Math.max(1, Math.min(settings.threads, B));
  const P = L * (2 * H * H + H) + H * V + V; // about the parameter count (paramLayout)
  const perPosition = 4 * (H * (3 * L + 4) + 2 * V + (orders > 0 ? V * (1 + orders) + 3 * orders : 0)) + 13;
  return N * perPosition + 4 * (B * H * (L + 1) + threads * H * Math.max(H, V) + (threads + 1) * P);
}

/**
 * The most a training step's buffers may take (trainingStepBytes): the WebAssembly kernels' memory (1 GiB,
 * MAX_PAGES) less room for the module's own data, the model's inference buffers and validation. The
 * JavaScript kernels are held to the same limit, so that a setting works or is refused the same way on both.
 */
export const TRAINING_STEP_LIMIT_BYTES = MAX_PAGES * 65536 - 64 * 2 ** 20;

/**
 * Refuses, with the figures and what to lower, a model and batch whose step would not fit the kernels'
 * memory; returns the step's bytes (trainingStepBytes) when it fits.
 */
export function checkTrainingMemory(config: ModelConfig, settings: Pick<TrainSettings, 'seqLength' | 'batchSize' | 'threads' | 'directOrders'>): number {
  const bytes = trainingStepBytes(config, settings);
  if (bytes <= TRAINING_STEP_LIMIT_BYTES) return bytes;
  const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
  throw new Error(`a training step of batch ${settings.batchSize} x sequence length ${settings.seqLength} with hidden size ${config.hiddenSize}, ${config.layers} layer${config.layers === 1 ? '' : 's'} and ${config.vocabSize} symbols needs about ${mb(bytes)}, more than the ${mb(TRAINING_STEP_LIMIT_BYTES)} limit of the kernels' memory: lower the batch size, the sequence length, the hidden size or the layers`);
}

/**
 * The table (and its Adagrad accumulators) in the kernels' memory, where their row kernels run at full
 * speed, when it fits there beside `reserved` bytes (a training step's buffers); as it is otherwise.
 */
export function inKernelMemory(from: DirectConnections | DirectConfig, kernels: Kernels, reserved = 0): DirectConnections {
  const existing = from instanceof DirectConnections ? from : undefined;
  const plain = () => {
    const d = existing ?? new DirectConnections(from as DirectConfig);
    d.rowSumSq ??= new Float32Array(d.rowCount);
    return d;
  };
  if (!kernels.shared || (existing && kernels.shared.owns(existing.table))) return plain();
  const config = existing?.config ?? (from as DirectConfig);
  const rows = DirectConnections.layout(config).regionStart[config.orders];
  if (4 * rows * (config.vocabSize + 1) + reserved > TRAINING_STEP_LIMIT_BYTES) return plain();
  let table: Float32Array | undefined;
  try {
    table = kernels.allocF32(rows * config.vocabSize);
    const moved = new DirectConnections(config, table);
    moved.rowSumSq = kernels.allocF32(moved.rowCount);
    if (existing) {
      table.set(existing.table);
      if (existing.rowSumSq) moved.rowSumSq.set(existing.rowSumSq);
    }
    return moved;
  } catch {
    if (table) kernels.free(table);
    return plain();
  }
}

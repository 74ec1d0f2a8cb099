/**
 * checkpoint: models and training runs on disk: the safetensors codec (with PyTorch's tensor names, so
 * that a model trained in PyTorch loads here), the model's tensors and metadata, the training run's
 * state (training-state.ts, which the trainer fills), atomic file writing, and loading in a worker
 * thread so that the editor never blocks on a large file. Uses model/ and kernels/.
 */
export { saveCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint, CheckpointFormatError, FORMAT_VERSION, latestPathOf } from './checkpoint';
export type { LoadedCheckpoint } from './checkpoint';
export { DEFAULT_TRAIN_SETTINGS, validateTrainSettings } from './training-state';
export type { TrainSettings, TrainingState, MetricPoint, ScheduleState } from './training-state';

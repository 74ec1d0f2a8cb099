/**
 * train: a training run: the data streams over the encoded corpus, the trainer (the loop, validation
 * and the plateau schedule, the memory check), data-parallel steps on worker threads, and the job that
 * reads a workspace, trains and writes checkpoints (the one entry the CLI and the editor's training
 * process call). Uses model/, corpus/, checkpoint/ and kernels/.
 */
export { StreamSampler, validationSample } from './streams';
export { Trainer } from './trainer';
export type { RunOptions, KeptModel } from './trainer';
export type { TrainEvent, DoneReason } from './events';
export { prepareData } from './prepare';
export type { PreparedData } from './prepare';
export { runTrainingJob } from './job';
export type { TrainingJobOptions, JobEvent, KeptResult } from './job';

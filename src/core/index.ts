/**
 * The headless core of Char-RNN Complete: the model, trainer, sampler, evaluation, corpus reader and
 * checkpoints, with no `vscode` import. `require('char-rnn-complete')` gives this module.
 */
export { referenceKernels, fastKernels } from './kernels/kernels';
export type { Kernels, FloatArray } from './kernels/kernels';
export { RnnModel, MODEL_LIMITS, InferenceStepper, paramLayout, zeroState, validateConfig } from './model/model';
export type { ModelConfig, ParamLayout } from './model/model';
export { Vocab, UNKNOWN, DEFAULT_VOCAB_CAP } from './model/vocab';
export type { TokenArray } from './model/vocab';
export { Rng } from './model/rng';
export { BpttBuffers, allocChunk, forwardChunk, backwardChunk } from './model/bptt';
export type { Chunk } from './model/bptt';
export { Optimizer, DEFAULT_LEARNING_RATE } from './model/optimizer';
export type { OptimizerName, OptimizerSettings, ClipMode } from './model/optimizer';
export { encodeFiles, StreamSampler, validationSample } from './train/streams';
export type { EncodedFiles } from './train/streams';
export { Trainer, DEFAULT_TRAIN_SETTINGS, validateTrainSettings } from './train/trainer';
export type { TrainSettings, TrainingState, TrainEvent, RunOptions, MetricPoint, ScheduleState, KeptModel, DoneReason } from './train/trainer';
export { generate, beamSearch, propose, sampleId, softmax } from './infer/generate';
export type { Generation, GenerateOptions, BeamOptions, SampleOptions, Proposal, ProposalOptions } from './infer/generate';
export { CompletionSession } from './infer/session';
export type { SessionOptions } from './infer/session';
export { bitsPerChar, dynamicBitsPerChar, keystrokeSavings, simulateTyping } from './eval/evaluate';
export { DirectConnections, DirectContext, contextRow } from './model/direct-connections';
export type { DirectConfig, DirectTerm } from './model/direct-connections';
export { DynamicEvaluation, Adaptation, DEFAULT_ADAPT_OPTIONS } from './infer/adaptation';
export type { AdaptOptions } from './infer/adaptation';
export { CharNGram, CachedCharNGram, WordCompleter } from './eval/baselines';
export type { BitsPerCharResult, KsrOptions, KsrResult } from './eval/evaluate';
export { readCorpus, formatCorpusReport } from './corpus/corpus';
export type { Corpus, CorpusFile, CorpusOptions, SkippedEntry, SkipReason, SplitSummary } from './corpus/corpus';
export { saveCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint, CheckpointFormatError, FORMAT_VERSION, latestPathOf } from './checkpoint/checkpoint';
export type { LoadedCheckpoint } from './checkpoint/checkpoint';
export { prepareData } from './train/prepare';
export type { PreparedData } from './train/prepare';
export { runTrainingJob } from './train/job';
export type { TrainingJobOptions, JobEvent, KeptResult } from './train/job';
export { defaultKernels, setKernelLog } from './kernels/default-kernels';
export { releaseModel } from './model/model';

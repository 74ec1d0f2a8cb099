/**
 * The headless core of Char-RNN Complete: the model, trainer, sampler, evaluation, corpus reader and
 * checkpoints, with no `vscode` import. `require('char-rnn-complete')` gives this module.
 */
export { referenceKernels, fastKernels } from './kernels';
export type { Kernels, FloatArray } from './kernels';
export { RnnModel, MODEL_LIMITS, InferenceStepper, paramLayout, zeroState, validateConfig } from './model';
export type { ModelConfig, ParamLayout } from './model';
export { Vocab, UNKNOWN, DEFAULT_VOCAB_CAP } from './vocab';
export type { TokenArray } from './vocab';
export { Rng } from './rng';
export { BpttBuffers, allocChunk, forwardChunk, backwardChunk } from './bptt';
export type { Chunk } from './bptt';
export { Optimizer, DEFAULT_LEARNING_RATE } from './optimizer';
export type { OptimizerName, OptimizerSettings, ClipMode } from './optimizer';
export { encodeFiles, StreamSampler, validationSample } from './data';
export type { EncodedFiles } from './data';
export { Trainer, DEFAULT_TRAIN_SETTINGS, validateTrainSettings } from './trainer';
export type { TrainSettings, TrainingState, TrainEvent, RunOptions, MetricPoint, ScheduleState, KeptModel, DoneReason } from './trainer';
export { generate, beamSearch, propose, sampleId, softmax } from './generate';
export type { Generation, GenerateOptions, BeamOptions, SampleOptions, Proposal, ProposalOptions } from './generate';
export { CompletionSession } from './session';
export type { SessionOptions } from './session';
export { bitsPerChar, dynamicBitsPerChar, keystrokeSavings, simulateTyping } from './evaluate';
export { DirectConnections, DirectContext, contextRow } from './direct';
export type { DirectConfig, DirectTerm } from './direct';
export { DynamicEvaluation, Adaptation, DEFAULT_ADAPT_OPTIONS } from './dynamic';
export type { AdaptOptions } from './dynamic';
export { CharNGram, CachedCharNGram, WordCompleter } from './baselines';
export type { BitsPerCharResult, KsrOptions, KsrResult } from './evaluate';
export { readCorpus, formatCorpusReport } from './corpus';
export type { Corpus, CorpusFile, CorpusOptions, SkippedEntry, SkipReason, SplitSummary } from './corpus';
export { saveCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint, CheckpointFormatError, FORMAT_VERSION, latestPathOf } from './checkpoint';
export type { LoadedCheckpoint } from './checkpoint';
export { prepareData } from './prepare';
export type { PreparedData } from './prepare';
export { runTrainingJob } from './job';
export type { TrainingJobOptions, JobEvent, KeptResult } from './job';
export { defaultKernels, setKernelLog } from './backends';
export { releaseModel } from './model';

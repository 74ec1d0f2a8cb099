/**
 * model: the character-level vanilla RNN (Karpathy's min-char-rnn; llm.c's layout): its parameters in
 * one Float32Array, forward and backward passes over chunks (truncated BPTT), the direct n-gram
 * connections added to its logits, the vocabulary and encoded text, the optimizers, the seeded
 * generator, and its loss on held-out text in bits per character. Uses only kernels/ and common/.
 */
export { RnnModel, MODEL_LIMITS, InferenceStepper, paramLayout, zeroState, validateConfig, releaseModel } from './model';
export type { ModelConfig, ParamLayout } from './model';
export { Vocab, UNKNOWN, DEFAULT_VOCAB_CAP } from './vocab';
export type { TokenArray } from './vocab';
export { Rng } from './rng';
export { BpttBuffers, allocChunk, forwardChunk, backwardChunk } from './bptt';
export type { Chunk } from './bptt';
export { Optimizer, DEFAULT_LEARNING_RATE } from './optimizer';
export type { OptimizerName, OptimizerSettings, ClipMode } from './optimizer';
export { encodeFiles } from './encoded-text';
export type { EncodedFiles } from './encoded-text';
export { bitsPerChar } from './bits-per-char';
export type { BitsPerCharResult } from './bits-per-char';
export { DirectConnections, DirectContext, contextRow } from './direct-connections';
export type { DirectConfig, DirectTerm } from './direct-connections';

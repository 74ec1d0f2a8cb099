/**
 * infer: what the editor does with a model: generation (sampling, greedy, beam search), the completion
 * proposal and the rules that fit it to the line, the completion session that keeps the state of a
 * document window, adaptation to the text being typed (dynamic evaluation of the direct connections,
 * the n-gram cache and its mixture), and the hidden states the panel shows. Uses model/ and kernels/.
 */
export { generate, sampleId, softmax } from './generate';
export type { Generation, GenerateOptions, SampleOptions } from './generate';
export { propose } from './proposal';
export type { Proposal, ProposalOptions } from './proposal';
export { beamSearch } from './beam-search';
export type { BeamOptions } from './beam-search';
export { CompletionSession } from './session';
export type { SessionOptions } from './session';
export { DynamicEvaluation, Adaptation, DEFAULT_ADAPT_OPTIONS } from './adaptation';
export type { AdaptOptions } from './adaptation';

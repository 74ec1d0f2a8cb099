/**
 * eval: how good the suggestions are on held-out text: bits per character with the editor's
 * adaptation, the keystroke savings of a simulated user who accepts what the engine proposes, and the
 * baselines it is measured against (character n-grams with Kneser-Ney smoothing, cached, and a word
 * completer). Uses infer/ and model/.
 */
export { dynamicBitsPerChar, keystrokeSavings, simulateTyping } from './simulated-user';
export type { KsrOptions, KsrResult } from './simulated-user';
export { CharNGram, CachedCharNGram, WordCompleter } from './baselines';

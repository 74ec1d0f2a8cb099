/**
 * What the editor shows at a cursor, as plain functions of the text: when an automatic suggestion is
 * allowed, the proposal itself, the alternatives of an explicit request, and the rules that keep a
 * suggestion out of the way. The VS Code provider and the evaluation (`eval --ksr`) both go through
 * `automaticCompletion`, so what is measured is what the user gets.
 */
import { Proposal, ProposalOptions } from './generate';
import { Rng } from './rng';
import { CompletionSession } from './session';

export interface CompletionSettings {
  /** the longest suggestion, in characters */
  maxChars: number;
  /** the smallest probability of a suggestion shown automatically */
  minConfidence: number;
  /** lines a suggestion may span */
  maxLines: number;
  /** 'mostLikely': beam search; 'sample': drawn from the softmax with the sampling settings */
  mode: 'mostLikely' | 'sample';
  temperature: number;
  topK: number;
  topP: number;
  beamWidth: number;
}

export const DEFAULT_COMPLETION_SETTINGS: CompletionSettings = {
  maxChars: 40,
  minConfidence: 0.4,
  maxLines: 1,
  mode: 'mostLikely',
  temperature: 0.8,
  topK: 0,
  topP: 0.95,
  beamWidth: 4,
};

const WORD = /[\p{L}\p{N}_$]/u;
/** what may stand right of the cursor for an automatic suggestion: closing brackets, quotes, separators */
const CLOSERS = /^[\s)\]}>'"`;,.]*$/;

/** The text of the cursor's line before and after it. */
export function lineAround(text: string, offset: number, base = 0): { before: string; after: string } {
  const i = offset - base;
  const start = text.lastIndexOf('\n', i - 1) + 1;
  let end = text.indexOf('\n', i);
  if (end < 0) end = text.length;
  return { before: text.slice(start, i), after: text.slice(i, end).replace(/\r$/, '') };
}

/**
 * An automatic suggestion is allowed unless the cursor is in the middle of a word, or code stands
 * right of it on the line (closing brackets, quotes and separators aside).
 */
export function autoTriggerAllowed(line: { before: string; after: string }): boolean {
  const prev = line.before.slice(-1);
  const next = line.after.slice(0, 1);
  if (prev && next && WORD.test(prev) && WORD.test(next)) return false;
  return CLOSERS.test(line.after);
}

/**
 * Drops the end of a suggestion that repeats the text right of the cursor (a closing bracket the
 * editor already has, say); '' when the whole suggestion is already there. With text right of the
 * cursor, a suggestion keeps only its first line.
 */
export function trimRepeated(suggestion: string, after: string): string {
  if (after.trim() === '') return suggestion;
  const newline = suggestion.indexOf('\n');
  const line = newline < 0 ? suggestion : suggestion.slice(0, newline);
  if (after.startsWith(line)) return '';
  for (let k = Math.min(after.length, line.length); k > 0; k--) {
    if (line.endsWith(after.slice(0, k))) return line.slice(0, line.length - k);
  }
  return line;
}

function proposalOptions(s: CompletionSettings, rng?: Rng): ProposalOptions {
  return {
    maxChars: s.maxChars,
    minConfidence: s.minConfidence,
    maxLines: s.maxLines,
    search: s.mode === 'sample' ? 'sample' : 'beam',
    beamWidth: s.beamWidth,
    temperature: s.temperature,
    topK: s.topK,
    topP: s.topP,
    rng,
  };
}

/**
 * The suggestion shown automatically at `offset`, or undefined: nothing in the middle of a word or
 * with code right of the cursor, nothing below the confidence gate, never one character, nothing that
 * only repeats what follows the cursor.
 */
export function automaticCompletion(session: CompletionSession, text: string, offset: number, settings: CompletionSettings, base = 0, rng?: Rng): Proposal | undefined {
  const line = lineAround(text, offset, base);
  if (!autoTriggerAllowed(line)) return undefined;
  const proposal = session.propose(text, offset, proposalOptions(settings, rng), base);
  if (!proposal) return undefined;
  const shown = trimRepeated(proposal.text, line.after);
  if (shown.length < 2) return undefined;
  return shown === proposal.text ? proposal : { ...proposal, text: shown };
}

/**
 * The suggestions of an explicit request (Alt+\): the most likely one, then up to `count - 1`
 * different ones drawn from the softmax, each cut by the same expected-saving rule, with no gate.
 */
export function explicitCompletions(session: CompletionSession, text: string, offset: number, settings: CompletionSettings, count: number, rng: Rng, base = 0): string[] {
  const after = lineAround(text, offset, base).after;
  const out: string[] = [];
  const add = (p: Proposal | undefined) => {
    const t = p ? trimRepeated(p.text, after) : '';
    if (t.length >= 2 && !out.includes(t)) out.push(t);
  };
  const ungated = { ...settings, minConfidence: 0 };
  add(session.propose(text, offset, proposalOptions({ ...ungated, mode: 'mostLikely' }), base));
  for (let tries = 0; out.length < count && tries < count * 3; tries++) add(session.propose(text, offset, proposalOptions({ ...ungated, mode: 'sample' }, rng), base));
  return out.slice(0, count);
}

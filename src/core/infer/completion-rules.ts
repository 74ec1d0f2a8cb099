import { Proposal, ProposalOptions } from './proposal';
import { Rng } from '../model/rng';
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

const OPENER_OF: Record<string, string> = { ')': '(', ']': '[', '}': '{', '>': '<' };
const QUOTES = '\'"`';

/**
 * A suggestion fitted to the text right of the cursor on its line (`after`: closers, quotes and
 * separators, as `autoTriggerAllowed` lets through), so that accepting it never leaves a closer twice:
 *   - closers right of the cursor that the suggestion starts with are typed over: `replace` counts
 *     them, and the editor's item replaces them (`) {` before `)` gives `) {`, not `) {)`);
 *   - with closers right of the cursor, a closer that does not close a bracket the suggestion opened
 *     itself ends the suggestion before it (`x) + 1` and `foo)` before `)` give `x` and `foo`; `f(x)`
 *     before `)` stays; `x]` before `)` gives `x`), and so does a string it opens and does not close
 *     (`a, "b` before `)` gives `a,`) or a bracket it leaves open (`g(x` before `)` gives `g`: the closer
 *     would close that one instead); a quote that comes next right of the cursor (inside a string)
 *     ends it at the suggestion's first such quote;
 *   - then an end that repeats what follows, brackets aside, is dropped (`foo;` before `;` gives `foo`).
 * With text right of the cursor a suggestion keeps only its first line. `text` is '' when nothing new
 * is left (only what is already there).
 */
export function fitToLine(suggestion: string, after: string): { text: string; replace: number } {
  if (after.trim() === '') return { text: suggestion, replace: 0 };
  const newline = suggestion.indexOf('\n');
  let line = newline < 0 ? suggestion : suggestion.slice(0, newline);
  let m = 0; // typed over
  while (m < line.length && m < after.length && line[m] === after[m] && (OPENER_OF[after[m]] !== undefined || QUOTES.includes(after[m]))) m++;
  const rest = after.slice(m);
  if (rest.startsWith(line.slice(m))) return { text: '', replace: 0 };
  const next = rest.trimStart()[0];
  if (next !== undefined && QUOTES.includes(next)) {
    // inside a string: the quote right of the cursor closes it, so the suggestion ends at its own
    const cut = line.indexOf(next, m);
    if (cut >= 0) line = line.slice(0, cut);
  } else if (/[)\]}>'"`]/.test(rest)) {
    const cut = unmatchedCloser(line, m);
    if (cut >= 0) line = line.slice(0, cut).trimEnd();
  }
  // what is left closes only brackets it opens itself: an end that repeats what follows is dropped
  // unless it holds such a closer (`foo;` before `;` gives `foo`; `f(x)` before `)` stays)
  for (let k = Math.min(rest.length, line.length - m); k > 0; k--) {
    if (line.endsWith(rest.slice(0, k))) {
      if (!/[)\]}>]/.test(rest.slice(0, k))) line = line.slice(0, line.length - k);
      break;
    }
  }
  return line.length > m ? { text: line, replace: m } : { text: '', replace: 0 };
}

/**
 * Where a suggestion must end so that the closers after the cursor still close what they closed: the
 * index of the first closer in text[from..] that does not close the last bracket opened in text[from..]
 * (it closes one opened before the cursor, or the wrong one), or of a quote whose string the text does
 * not close, or else of the first bracket it opens and leaves open (the closer after the cursor would
 * close that one instead: `g(x` before `)` gives `g`); -1 if none. Brackets inside strings do not count;
 * `<` and `>` count only as a pair opened inside (`a > b` is a comparison).
 */
function unmatchedCloser(text: string, from: number): number {
  const stack: string[] = [];
  const openedAt: number[] = [];
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (QUOTES.includes(c)) {
      const close = text.indexOf(c, i + 1);
      if (close < 0) return i;
      i = close;
    } else if (c === '(' || c === '[' || c === '{' || c === '<') {
      stack.push(c);
      openedAt.push(i);
    } else if (c === ')' || c === ']' || c === '}') {
      while (stack.length > 0 && stack[stack.length - 1] === '<') { // a comparison, not a bracket
        stack.pop();
        openedAt.pop();
      }
      openedAt.pop();
      if (stack.pop() !== OPENER_OF[c]) return i;
    } else if (c === '>' && stack[stack.length - 1] === '<') {
      stack.pop();
      openedAt.pop();
    }
  }
  const open = openedAt.filter((_, k) => stack[k] !== '<');
  return open.length > 0 ? open[0] : -1;
}

/** A suggestion shown at the cursor: the proposal as fitted to the line, and the closers it types over. */
export interface Suggestion extends Proposal {
  /** characters right of the cursor that the suggestion replaces (closers it starts with); 0 mostly */
  replace: number;
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
 * only repeats what follows the cursor or leaves a closer twice (`fitToLine`).
 */
export function automaticCompletion(session: CompletionSession, text: string, offset: number, settings: CompletionSettings, base = 0, rng?: Rng): Suggestion | undefined {
  const line = lineAround(text, offset, base);
  if (!autoTriggerAllowed(line)) return undefined;
  const proposal = session.propose(text, offset, proposalOptions(settings, rng), base);
  if (!proposal) return undefined;
  const fitted = fitToLine(proposal.text, line.after);
  if (fitted.text.length - fitted.replace < 2) return undefined;
  return { ...(fitted.text === proposal.text ? proposal : shortened(proposal, fitted.text)), replace: fitted.replace };
}

/**
 * The proposal cut to `text`, a prefix of its text: its probability is that of the characters kept
 * (the product of their probabilities in `full`) and its expected saving that probability x (length - 1),
 * not the longer proposal's figures.
 */
function shortened(proposal: Proposal, text: string): Proposal {
  const k = Array.from(text).length; // ids are code points
  let prob = 1;
  for (let i = 0; i < k; i++) prob *= proposal.full.probs[i];
  return { ...proposal, text, prob, expectedSaving: prob * (k - 1) };
}

/**
 * The suggestions of an explicit request (Alt+\): the most likely one, then up to `count - 1`
 * different ones drawn from the softmax, each cut by the same expected-saving rule, with no gate.
 */
export function explicitCompletions(session: CompletionSession, text: string, offset: number, settings: CompletionSettings, count: number, rng: Rng, base = 0): { text: string; replace: number }[] {
  const after = lineAround(text, offset, base).after;
  const out: { text: string; replace: number }[] = [];
  const add = (p: Proposal | undefined) => {
    const t = p ? fitToLine(p.text, after) : { text: '', replace: 0 };
    if (t.text.length - t.replace >= 2 && !out.some((o) => o.text === t.text)) out.push(t);
  };
  const ungated = { ...settings, minConfidence: 0 };
  add(session.propose(text, offset, proposalOptions({ ...ungated, mode: 'mostLikely' }), base));
  for (let tries = 0; out.length < count && tries < count * 3; tries++) add(session.propose(text, offset, proposalOptions({ ...ungated, mode: 'sample' }, rng), base));
  return out.slice(0, count);
}

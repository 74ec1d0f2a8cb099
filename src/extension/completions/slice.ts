/**
 * The part of a document the completion service reads, in the model's terms: the text from the
 * window's reach to the end of the cursor's line, with a CRLF document's line breaks read as LF and
 * every offset counted in that LF text. The model was trained on LF text and the session's window rule
 * (session.ts) counts characters, so a CRLF document must give the same text and the same offsets as
 * its LF version, or suggestions past the first ~1,000 characters differ with the line endings.
 */
import { DocumentSlice } from './service';

/** What `documentSlice` reads of a document (VS Code's TextDocument provides it; tests fake it). */
export interface SliceSource {
  /** the document's line breaks are CRLF (VS Code keeps one kind per document) */
  crlf: boolean;
  /** the document offset of the start of `line` */
  lineStart(line: number): number;
  /** the line holding the document offset `offset` */
  lineOf(offset: number): number;
  /** the document's text between two document offsets */
  text(start: number, end: number): string;
}

/**
 * The slice for a cursor on `line` at document offset `offset`, whose line ends at document offset
 * `lineEnd`; `reach(o)` is where the service's window must start for a cursor at LF offset `o`.
 * With CRLF line breaks, the LF offset of a document offset on line L is that offset minus L.
 */
export function documentSlice(key: string, src: SliceSource, line: number, offset: number, lineEnd: number, reach: (lfOffset: number) => number): DocumentSlice {
  const lf = lfOffset(src, line, offset);
  const need = reach(lf);
  // a CRLF line break is 2 document characters: going back twice as far reaches at least as far
  const back = src.crlf ? 2 * (lf - need) : lf - need;
  const baseLine = src.lineOf(Math.max(0, offset - back));
  const start = src.lineStart(baseLine); // from a line start, so that no break is cut in half
  const raw = src.text(start, lineEnd);
  return {
    key,
    text: src.crlf ? raw.replace(/\r\n/g, '\n') : raw,
    base: src.crlf ? start - baseLine : start,
    offset: lf,
  };
}

/** The LF offset of a document offset on `line` (the start of a range the suggestion list replaces). */
export function lfOffset(src: Pick<SliceSource, 'crlf'>, line: number, offset: number): number {
  return src.crlf ? offset - line : offset;
}

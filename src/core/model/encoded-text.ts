/**
 * Text as the model reads it: files encoded into one array of token ids with each file's start, and a
 * fingerprint of that encoding (so that a resumed run knows whether its stream positions still apply).
 */
import { crc32 } from '../common/crc32';
import { TokenArray, Vocab } from './vocab';

/** Encoded files: tokens (total) and the start of each file, with the total length as a last entry. */
export interface EncodedFiles {
  tokens: TokenArray;
  /** (files + 1): file i spans tokens[starts[i] .. starts[i+1]) */
  starts: Int32Array;
  names: string[];
}

/** A token array of `length` ids for `vocab`: one byte an id when it has at most 256 symbols, else two. */
export function tokenArrayFor(vocab: Vocab, length: number): TokenArray {
  return vocab.size <= 256 ? new Uint8Array(length) : new Uint16Array(length);
}

export function encodeFiles(vocab: Vocab, files: readonly { relPath: string; text: string }[]): EncodedFiles {
  const parts = files.map((f) => vocab.encode(f.text));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const tokens = tokenArrayFor(vocab, total);
  const starts = new Int32Array(parts.length + 1);
  let offset = 0;
  parts.forEach((p, i) => {
    starts[i] = offset;
    tokens.set(p, offset);
    offset += p.length;
  });
  starts[parts.length] = offset;
  return { tokens, starts, names: files.map((f) => f.relPath) };
}

/** A fingerprint of encoded data, so that a resumed run knows whether its stream positions still apply. */
export function fingerprint(data: EncodedFiles): string {
  const bytes = new Uint8Array(data.tokens.buffer, data.tokens.byteOffset, data.tokens.byteLength);
  const starts = new Uint8Array(data.starts.buffer, data.starts.byteOffset, data.starts.byteLength);
  return `${data.tokens.length}-${crc32(starts, crc32(bytes)).toString(16).padStart(8, '0')}`;
}

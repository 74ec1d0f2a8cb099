/**
 * The safetensors checkpoint format (https://github.com/huggingface/safetensors): what its encoder and
 * decoder share.
 *
 *   [8 bytes]  N, little-endian u64: length of the header
 *   [N bytes]  UTF-8 JSON object: { "<name>": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 *              "__metadata__": {string: string} }  (padded with trailing spaces)
 *   [rest]     data region: each tensor's little-endian bytes, offsets relative to its start
 *
 * Files written here carry two CRC-32s in `__metadata__`: `crc32` of the data region and `header_crc32`
 * of everything before it (the length prefix and the header, with the 8 digits of `header_crc32` itself
 * read as zeros), so that a flipped bit anywhere in the file is detected. This module holds the dtypes,
 * the metadata keys, where the header's checksum is written and how it is computed, the error every
 * defect is reported as ({@link CheckpointFormatError}) and small helpers of both directions; the
 * encoder is encode.ts, the decoder decode.ts, reading and writing files file.ts.
 */
import { crc32 } from '../../common/crc32';

/** Element types this codec can decode. Encoding writes only F32, I32 and U8. */
export type DType = 'F32' | 'F64' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8';

/** A checkpoint file (or byte buffer) that is missing, unreadable, truncated, corrupt or not safetensors. */
export class CheckpointFormatError extends Error {
  /** the file system's error code ('ENOENT'...) when the file could not be read */
  readonly code?: string;
  constructor(message: string, options?: ErrorOptions) {
    super(oneLine(message), options);
    this.name = 'CheckpointFormatError';
    const cause: unknown = options?.cause;
    if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') this.code = cause.code;
  }
}

/** The message on one line whatever a file's names hold: control and line-separator characters escaped. */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  return message.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Throws a CheckpointFormatError prefixed with the source name. */
export type Fail = (problem: string) => never;

/** The {@link Fail} of a source: `source` is a file name, 'checkpoint' when none is given. */
export function failFor(source = 'checkpoint'): Fail {
  return (problem) => {
    throw new CheckpointFormatError(`${source}: ${problem}`);
  };
}

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<DType, number>> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1 };

export const METADATA_KEY = '__metadata__';
export const CHECKSUM_KEY = 'crc32';
export const HEADER_CHECKSUM_KEY = 'header_crc32';
/** What the 8 digits of `header_crc32` count as while the header's checksum is computed. */
export const HEADER_CHECKSUM_PLACEHOLDER = '00000000';

/**
 * Where the 8 digits of `"header_crc32":"<digits>"` start in `head` (the length prefix and the header),
 * or undefined when the header does not hold them written that way (once, compactly, as this writer does).
 */
export function headerChecksumDigitsAt(head: Uint8Array, digits: string): number | undefined {
  const pattern = asciiBytes(`${JSON.stringify(HEADER_CHECKSUM_KEY)}:"${digits}"`);
  const at = indexOfBytes(head, pattern, 8);
  if (at < 0 || indexOfBytes(head, pattern, at + 1) >= 0) return undefined;
  return at + pattern.length - 1 - digits.length;
}

/** The CRC-32 of `head` with the 8 bytes at `digitsAt` read as the placeholder. */
export function headerCrc(head: Uint8Array, digitsAt: number): number {
  let c = crc32(head.subarray(0, digitsAt));
  c = crc32(asciiBytes(HEADER_CHECKSUM_PLACEHOLDER), c);
  return crc32(head.subarray(digitsAt + HEADER_CHECKSUM_PLACEHOLDER.length), c);
}

// ---------------------------------------------------------------------------------------------
// Helpers

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Product of the dimensions; 1 for a scalar. May exceed 2^53 for absurd shapes (callers check). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Sorts by UTF-16 code units, independent of locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The bytes of an ASCII string. */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The first index at or after `from` where `pattern` occurs in `bytes`, or -1. */
function indexOfBytes(bytes: Uint8Array, pattern: Uint8Array, from = 0): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(pattern, from);
}

export function formatCrc(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** A short, safe rendering of an arbitrary value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array ${jsonSnippet(value)}`;
  if (typeof value === 'object') return `an object ${jsonSnippet(value)}`;
  if (typeof value === 'string') return `'${truncate(value)}'`;
  return `${typeof value} ${String(value)}`;
}

/** Compact JSON of a value, shortened for a message. */
export function jsonSnippet(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return truncate(text);
}

export function truncate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/**
 * A strict codec for the safetensors checkpoint format (https://github.com/huggingface/safetensors):
 *
 *   [8 bytes]  N, little-endian u64: length of the header
 *   [N bytes]  UTF-8 JSON object: { "<name>": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 *              "__metadata__": {string: string} }  (padded with trailing spaces)
 *   [rest]     data region: each tensor's little-endian bytes, offsets relative to its start
 *
 * Decoding validates the whole header against the file size before it allocates or reads any tensor,
 * and every problem is reported as a {@link CheckpointFormatError} naming the file and the defect.
 * Like the reference implementation, the tensors must tile the data region exactly: no overlaps, no
 * gaps, no trailing bytes. Files written here carry two CRC-32s in `__metadata__`: `crc32` of the data
 * region and `header_crc32` of everything before it (the length prefix and the header, with the 8 digits
 * of `header_crc32` itself read as zeros), so that a flipped bit anywhere in the file is detected. Each
 * is verified when present (files from PyTorch have none and are accepted).
 *
 * Reading a file checks what the path is (a regular file, never a FIFO or a device), reads the 8-byte
 * length first, then the header, and validates both before it reads or allocates the data region: it
 * never reads more than the file holds.
 */

import { constants as bufferConstants } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { crc32 } from '../common/crc32';

/** Element types this codec can decode. Encoding writes only F32, I32 and U8. */
export type DType = 'F32' | 'F64' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8';

/** A tensor to encode; `data.length` must equal the product of `shape` (1 for a scalar `[]`). */
export interface TensorIn {
  dtype: 'F32' | 'I32' | 'U8';
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** A decoded tensor; `data` is always a fresh array that shares no memory with the input bytes. */
export interface TensorOut {
  /** The dtype stored in the file. */
  dtype: DType;
  shape: number[];
  /**
   * Decoded values: F32/F64/F16/BF16 become a NEW Float32Array (F64 narrowed, F16/BF16 widened);
   * I32/I64 become Int32Array (I64 must fit in int32 else error); U8 -> Uint8Array.
   */
  data: Float32Array | Int32Array | Uint8Array;
}

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
  return message.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Bytes per element of each dtype. */
const DTYPE_SIZE: Readonly<Record<DType, number>> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1 };
const SUPPORTED_DTYPES = Object.keys(DTYPE_SIZE).join(', ');

/** The reference implementation refuses headers above 100 MB; so do we, before parsing anything. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const CHECKSUM_KEY = 'crc32';
const HEADER_CHECKSUM_KEY = 'header_crc32';
/** What the 8 digits of `header_crc32` count as while the header's checksum is computed. */
const HEADER_CHECKSUM_PLACEHOLDER = '00000000';
const TENSOR_FIELDS = ['data_offsets', 'dtype', 'shape'];
/** The typed array that holds each writable dtype. */
const ARRAY_TYPE_FOR_DTYPE = { F32: Float32Array, I32: Int32Array, U8: Uint8Array } as const;

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Serializes tensors and string metadata to safetensors bytes.
 *
 * Tensors are laid out contiguously in sorted-name order; every JSON object has its keys sorted and
 * the header is padded with spaces to a multiple of 8 bytes, so equal inputs give identical bytes.
 * Adds `metadata.crc32` (8 lowercase hex digits, CRC-32 of the data region) and `metadata.header_crc32`
 * (CRC-32 of the length prefix and the header, its own digits read as zeros). A caller may pass `crc32`,
 * which must then match the data (a stale checksum would make the file unreadable); a `header_crc32`
 * passed in (copied from a decoded file) is always computed afresh.
 *
 * @throws Error when a tensor's data does not match its dtype or shape, a name is `__metadata__`,
 *   a metadata value is not a string, or a caller-supplied crc32 does not match the data.
 */
export function encodeSafetensors(tensors: Record<string, TensorIn>, metadata: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort(compareCodeUnits);
  const layout: { name: string; tensor: TensorIn; begin: number; end: number }[] = [];
  let dataLength = 0;
  for (const name of names) {
    const tensor = tensors[name];
    checkTensorIn(name, tensor);
    const begin = dataLength;
    dataLength += tensor.data.length * DTYPE_SIZE[tensor.dtype];
    layout.push({ name, tensor, begin, end: dataLength });
  }

  const dataRegion = new Uint8Array(dataLength);
  const dataView = new DataView(dataRegion.buffer);
  for (const { tensor, begin } of layout) writeLittleEndian(dataView, begin, tensor);

  const meta = new Map<string, string>();
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    if (typeof value !== 'string') {
      throw new Error(`encodeSafetensors: metadata '${key}' must be a string, got ${describeValue(value)}`);
    }
    meta.set(key, value);
  }
  const checksum = formatCrc(crc32(dataRegion));
  const given = meta.get(CHECKSUM_KEY);
  if (given === undefined) {
    meta.set(CHECKSUM_KEY, checksum);
  } else if (given.toLowerCase() !== checksum) {
    throw new Error(
      `encodeSafetensors: metadata crc32 '${given}' does not match the data (${checksum}); ` +
        'omit it to have it computed (was it copied from another checkpoint?)',
    );
  }
  meta.set(HEADER_CHECKSUM_KEY, HEADER_CHECKSUM_PLACEHOLDER); // a caller's (copied from a decoded file) is replaced

  // The header JSON is assembled by hand: a JS object would reorder integer-like keys ("2" before "10").
  const members: [string, string][] = [[METADATA_KEY, serializeStringMap(meta)]];
  for (const { name, tensor, begin, end } of layout) {
    const fields = `"data_offsets":[${begin},${end}],"dtype":"${tensor.dtype}","shape":[${tensor.shape.join(',')}]`;
    members.push([name, `{${fields}}`]);
  }
  members.sort((a, b) => compareCodeUnits(a[0], b[0]));
  const headerText = `{${members.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
  const headerUtf8 = new TextEncoder().encode(headerText);
  const headerLength = Math.ceil(headerUtf8.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(headerUtf8, 8);
  out.fill(0x20, 8 + headerUtf8.length, 8 + headerLength); // space padding
  out.set(dataRegion, 8 + headerLength);

  // the header's checksum, computed with its own digits as the placeholder, then written over them
  const digitsAt = headerChecksumDigitsAt(out.subarray(0, 8 + headerLength), HEADER_CHECKSUM_PLACEHOLDER);
  if (digitsAt === undefined) throw new Error('encodeSafetensors: the header checksum was not written where expected');
  const headerChecksum = formatCrc(crc32(out.subarray(0, 8 + headerLength)));
  out.set(asciiBytes(headerChecksum), digitsAt);
  return out;
}

/**
 * Where the 8 digits of `"header_crc32":"<digits>"` start in `head` (the length prefix and the header),
 * or undefined when the header does not hold them written that way (once, compactly, as this writer does).
 */
function headerChecksumDigitsAt(head: Uint8Array, digits: string): number | undefined {
  const pattern = asciiBytes(`${JSON.stringify(HEADER_CHECKSUM_KEY)}:"${digits}"`);
  const at = indexOfBytes(head, pattern, 8);
  if (at < 0 || indexOfBytes(head, pattern, at + 1) >= 0) return undefined;
  return at + pattern.length - 1 - digits.length;
}

/** The CRC-32 of `head` with the 8 bytes at `digitsAt` read as the placeholder. */
function headerCrc(head: Uint8Array, digitsAt: number): number {
  let c = crc32(head.subarray(0, digitsAt));
  c = crc32(asciiBytes(HEADER_CHECKSUM_PLACEHOLDER), c);
  return crc32(head.subarray(digitsAt + HEADER_CHECKSUM_PLACEHOLDER.length), c);
}

function checkTensorIn(name: string, tensor: TensorIn): void {
  const where = `encodeSafetensors: tensor '${name}'`;
  if (name === METADATA_KEY) throw new Error(`encodeSafetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
  if (typeof tensor !== 'object' || tensor === null) throw new Error(`${where} is not a tensor`);
  if (!Object.hasOwn(ARRAY_TYPE_FOR_DTYPE, tensor.dtype)) {
    throw new Error(`${where} has dtype ${describeValue(tensor.dtype)}; only F32, I32 and U8 can be written`);
  }
  const expectedArray = ARRAY_TYPE_FOR_DTYPE[tensor.dtype];
  if (!(tensor.data instanceof expectedArray)) {
    throw new Error(`${where} has dtype ${tensor.dtype} but its data is not a ${expectedArray.name}`);
  }
  if (!Array.isArray(tensor.shape) || !tensor.shape.every(isNonNegativeInteger)) {
    throw new Error(`${where} has an invalid shape ${describeValue(tensor.shape)}: expected non-negative integers`);
  }
  const count = elementCount(tensor.shape);
  if (count !== tensor.data.length) {
    throw new Error(`${where} has shape [${tensor.shape.join(', ')}] (${count} elements) but ${tensor.data.length} values`);
  }
}

/** Copies a tensor's elements into `view` at `offset` as little-endian, bit for bit (NaN payloads included). */
function writeLittleEndian(view: DataView, offset: number, tensor: TensorIn): void {
  const { data } = tensor;
  if (data instanceof Uint8Array) {
    new Uint8Array(view.buffer, view.byteOffset + offset, data.length).set(data);
    return;
  }
  // Float32Array and Int32Array: move the raw 32-bit patterns, never the numeric values.
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < bits.length; i++) view.setUint32(offset + 4 * i, bits[i], true);
}

function serializeStringMap(map: Map<string, string>): string {
  const keys = [...map.keys()].sort(compareCodeUnits);
  return `{${keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(map.get(key))}`).join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Options for {@link decodeSafetensors}. */
export interface DecodeOptions {
  /** Name used at the start of every error message (a file name); default 'checkpoint'. */
  source?: string;
  /** Refuse NaN and ±Infinity in float tensors (and F64 values that overflow float32); default true. */
  requireFinite?: boolean;
}

/** Tensors by name (in sorted-name order) and the `__metadata__` map (empty when absent). */
export interface DecodedSafetensors {
  tensors: Record<string, TensorOut>;
  metadata: Record<string, string>;
}

/** A tensor's header entry after validation; offsets are relative to the data region. */
interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** Throws a CheckpointFormatError prefixed with the source name. */
type Fail = (problem: string) => never;

/** The length prefix and the header, validated against the file's size; offsets relative to the data region. */
interface ParsedHeader {
  entries: TensorEntry[];
  metadata: Record<string, string>;
  /** 8 + the header's length: where the data region starts */
  dataStart: number;
}

/**
 * Parses and validates safetensors bytes, then decodes every tensor into a fresh typed array.
 *
 * The header is checked completely (its checksum, sizes, dtypes, shapes, offsets inside the file, no
 * overlap or gap, metadata strings) and the data region's checksum verified when present before any
 * tensor is allocated. Reading is explicit little-endian and does not require the data region to be aligned.
 *
 * @throws CheckpointFormatError whose message starts with `opts.source` (or 'checkpoint').
 */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedSafetensors {
  const fail = failFor(opts.source);
  if (!(bytes instanceof Uint8Array)) fail(`expected the file contents as a Uint8Array, got ${describeValue(bytes)}`);
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, too short for a safetensors header`);
  const dataStart = 8 + checkHeaderLength(readHeaderLength(bytes), bytes.length, fail);
  const header = parseHeader(bytes.subarray(0, dataStart), bytes.length, fail);
  return decodeData(bytes, header, opts.requireFinite ?? true, fail);
}

function failFor(source = 'checkpoint'): Fail {
  return (problem) => {
    throw new CheckpointFormatError(`${source}: ${problem}`);
  };
}

function readHeaderLength(prefix: Uint8Array): bigint {
  return new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
}

/** The header's length as a number, once it is known to fit in a file of `fileSize` bytes and the limit. */
function checkHeaderLength(declared: bigint, fileSize: number, fail: Fail): number {
  if (declared > BigInt(fileSize - 8)) {
    fail(`header length ${declared} exceeds the file size (${fileSize} bytes): truncated or not a safetensors file`);
  }
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit: corrupt or not a safetensors file`);
  }
  return Number(declared);
}

/**
 * Validates `head` (the length prefix and the header) for a file of `fileSize` bytes: the JSON, the
 * metadata strings and the header's checksum first, then every tensor entry against the data region.
 */
function parseHeader(head: Uint8Array, fileSize: number, fail: Fail): ParsedHeader {
  const dataStart = head.length;
  const dataLength = fileSize - dataStart;
  const header = parseHeaderJson(head.subarray(8), fail);
  const metadata = Object.hasOwn(header, METADATA_KEY) ? validateMetadata(header[METADATA_KEY], fail) : {};
  verifyHeaderChecksum(head, metadata, fail);
  const entries: TensorEntry[] = [];
  for (const key of Object.keys(header)) {
    if (key !== METADATA_KEY) entries.push(validateEntry(key, header[key], dataLength, fail));
  }
  checkTiling(entries, dataLength, fail);
  const stored = metadata[CHECKSUM_KEY];
  if (stored !== undefined && !/^[0-9a-fA-F]{8}$/.test(stored)) fail(`__metadata__ crc32 '${stored}' is not 8 hex digits: corrupt file`);
  return { entries, metadata, dataStart };
}

function verifyHeaderChecksum(head: Uint8Array, metadata: Record<string, string>, fail: Fail): void {
  const stored = metadata[HEADER_CHECKSUM_KEY];
  if (stored === undefined) return;
  if (!/^[0-9a-f]{8}$/.test(stored)) fail(`__metadata__ header_crc32 '${truncate(stored)}' is not 8 lowercase hex digits: corrupt file`);
  const digitsAt = headerChecksumDigitsAt(head, stored);
  if (digitsAt === undefined) fail(`__metadata__ header_crc32 is not written the way this format writes it: corrupt file`);
  const computed = headerCrc(head, digitsAt);
  if (Number.parseInt(stored, 16) !== computed) {
    fail(`header checksum mismatch (stored ${stored}, computed ${formatCrc(computed)}): the file is corrupt (bit flip or partial write)`);
  }
}

/** Verifies the data region's checksum, then decodes each tensor of a validated header. */
function decodeData(bytes: Uint8Array, header: ParsedHeader, requireFinite: boolean, fail: Fail): DecodedSafetensors {
  const { entries, dataStart } = header;
  verifyDataChecksum(bytes, header, fail);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors: Record<string, TensorOut> = {};
  const sorted = [...entries].sort((a, b) => compareCodeUnits(a.name, b.name));
  for (const entry of sorted) {
    const data = decodeTensorData(view, dataStart + entry.begin, entry, requireFinite, fail);
    setOwn(tensors, entry.name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return { tensors, metadata: header.metadata };
}

function verifyDataChecksum(bytes: Uint8Array, header: ParsedHeader, fail: Fail): void {
  const stored = header.metadata[CHECKSUM_KEY];
  if (stored === undefined) return;
  const computed = crc32(bytes.subarray(header.dataStart));
  if (Number.parseInt(stored, 16) !== computed) {
    fail(`checksum mismatch (stored ${stored.toLowerCase()}, computed ${formatCrc(computed)}): the file is corrupt (bit flip or partial write)`);
  }
}

function parseHeaderJson(headerBytes: Uint8Array, fail: Fail): Record<string, unknown> {
  const corrupt = (reason: string): never => fail(`header is not valid JSON (${reason}): corrupt or not a safetensors file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    return corrupt('invalid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return corrupt(err instanceof Error ? err.message : String(err));
  }
  if (!isPlainObject(parsed)) return corrupt(`top level is ${describeValue(parsed)}, expected an object`);
  return parsed;
}

function validateMetadata(value: unknown, fail: Fail): Record<string, string> {
  if (!isPlainObject(value)) fail(`__metadata__ must be an object of strings, got ${describeValue(value)}`);
  const metadata: Record<string, string> = {};
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (typeof item !== 'string') fail(`__metadata__ value for '${key}' is not a string (got ${describeValue(item)})`);
    setOwn(metadata, key, item);
  }
  return metadata;
}

function validateEntry(name: string, value: unknown, dataLength: number, fail: Fail): TensorEntry {
  const where = `tensor '${name}'`;
  if (!isPlainObject(value)) fail(`${where}: header entry is ${describeValue(value)}, expected an object`);
  for (const field of Object.keys(value)) {
    if (!TENSOR_FIELDS.includes(field)) fail(`${where} has an unexpected field '${field}' (expected dtype, shape, data_offsets)`);
  }
  for (const field of TENSOR_FIELDS) {
    if (!Object.hasOwn(value, field)) fail(`${where} has no '${field}'`);
  }

  const { dtype, shape, data_offsets: offsets } = value;
  if (!isDType(dtype)) fail(`${where} has unsupported dtype ${describeValue(dtype)} (supported: ${SUPPORTED_DTYPES})`);
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    fail(`${where} has an invalid shape ${jsonSnippet(shape)}: expected a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    fail(`${where} has invalid data_offsets ${jsonSnippet(offsets)}: expected two non-negative integers [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`${where} has data_offsets [${begin}, ${end}] whose end is before its begin`);

  const count = elementCount(shape);
  const expectedBytes = count * DTYPE_SIZE[dtype];
  if (!Number.isSafeInteger(expectedBytes)) fail(`${where} has an impossibly large shape [${shape.join(', ')}]`);
  if (end - begin !== expectedBytes) {
    fail(
      `${where} has ${end - begin} bytes of data (data_offsets [${begin}, ${end}]) but dtype ${dtype} ` +
        `with shape [${shape.join(', ')}] needs ${expectedBytes} bytes`,
    );
  }
  if (end > dataLength) {
    fail(
      `${where} (data_offsets [${begin}, ${end}]) extends past the end of the file ` +
        `(the data region has ${dataLength} bytes): truncated`,
    );
  }
  return { name, dtype, shape: [...shape], begin, end };
}

/** The tensors must cover the data region exactly once, as the reference implementation requires. */
function checkTiling(entries: TensorEntry[], dataLength: number, fail: Fail): void {
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end || compareCodeUnits(a.name, b.name));
  let covered = 0;
  let previous: TensorEntry | undefined;
  for (const entry of byOffset) {
    if (previous !== undefined && entry.begin < covered) {
      fail(
        `tensors '${previous.name}' (data_offsets [${previous.begin}, ${previous.end}]) and ` +
          `'${entry.name}' (data_offsets [${entry.begin}, ${entry.end}]) overlap`,
      );
    }
    if (entry.begin > covered) {
      fail(`bytes ${covered}..${entry.begin} of the data region belong to no tensor (gap before '${entry.name}'): corrupt file`);
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    fail(
      `${dataLength - covered} bytes after the last tensor's data belong to no tensor ` +
        `(data region ${dataLength} bytes, tensors cover ${covered}): corrupt file or trailing garbage`,
    );
  }
}

/** Reads one tensor's elements (already validated to lie inside `view`) into a fresh typed array. */
function decodeTensorData(
  view: DataView,
  start: number,
  entry: TensorEntry,
  requireFinite: boolean,
  fail: Fail,
): Float32Array | Int32Array | Uint8Array {
  const count = elementCount(entry.shape);
  switch (entry.dtype) {
    case 'U8': {
      const out = new Uint8Array(count);
      out.set(new Uint8Array(view.buffer, view.byteOffset + start, count));
      return out;
    }
    case 'I32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(start + 4 * i, true);
      return out;
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const low = view.getInt32(start + 8 * i, true);
        const high = view.getInt32(start + 8 * i + 4, true);
        if (high !== low >> 31) {
          const value = view.getBigInt64(start + 8 * i, true);
          fail(`tensor '${entry.name}' has an I64 value ${value} at index ${i} that does not fit in int32`);
        }
        out[i] = low;
      }
      return out;
    }
    case 'F32': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint32(start + 4 * i, true);
      if (requireFinite) checkFinite(out, entry.name, fail);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const value = view.getFloat64(start + 8 * i, true);
        out[i] = value; // rounds to the nearest float32
        if (requireFinite && !Number.isFinite(out[i])) {
          if (Number.isFinite(value)) {
            fail(`tensor '${entry.name}' has an F64 value ${value} at index ${i} that overflows float32`);
          }
          fail(`tensor '${entry.name}' contains a non-finite value (${value}) at index ${i}`);
        }
      }
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = halfToFloatBits(view.getUint16(start + 2 * i, true));
      if (requireFinite) checkFinite(out, entry.name, fail);
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(start + 2 * i, true) << 16;
      if (requireFinite) checkFinite(out, entry.name, fail);
      return out;
    }
  }
}

/**
 * IEEE binary16 bits to the binary32 bits of the same value (every half is exactly representable).
 * half: 1 sign, 5 exponent (bias 15), 10 mantissa; float: 1 sign, 8 exponent (bias 127), 23 mantissa.
 */
function halfToFloatBits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  let mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0; // Inf, NaN (payload kept)
  if (exponent !== 0) return (sign | ((exponent - 15 + 127) << 23) | (mantissa << 13)) >>> 0; // normal
  if (mantissa === 0) return sign >>> 0; // ±0
  // Subnormal half, mantissa * 2^-24: normalize it, since it is a normal float32.
  let floatExponent = 1 - 15 + 127;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    floatExponent--;
  }
  return (sign | (floatExponent << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
}

function checkFinite(values: Float32Array, name: string, fail: Fail): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) fail(`tensor '${name}' contains a non-finite value (${values[i]}) at index ${i}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * Replaces `path` with `data` atomically: readers see the old file or the new one, never a mix.
 * Writes `${path}.tmp-<pid>-<random>` in the same directory, fsyncs it, renames it over `path`, then
 * fsyncs the directory where the platform allows. On any error the temp file is removed, `path` is
 * left as it was, and the error is rethrown. Temporary files of `path` that a killed writer left
 * behind are removed first (removeStaleTempFiles).
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(`writeFileAtomic: data must be a Uint8Array, got ${describeValue(data)}`);
  }
  await removeStaleTempFiles(path);
  const tempPath = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(tempPath, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tempPath, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(tempPath, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** A temporary file older than this is left over whoever wrote it: no write takes that long. */
export const STALE_TEMP_AGE_MS = 60 * 60 * 1000;

/**
 * Removes the temporary files writeFileAtomic left beside `path` when its process was killed mid-write
 * (`${path}.tmp-<pid>-<12 hex digits>`): those of a process that no longer exists, and any older than
 * `maxAgeMs` (a pid can be reused). A temp file of a live writer is never touched while it is recent.
 * Best effort: returns the paths removed and never throws.
 */
export async function removeStaleTempFiles(path: string, maxAgeMs = STALE_TEMP_AGE_MS): Promise<string[]> {
  const folder = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fsp.readdir(folder);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d{1,10})-[0-9a-f]{12}$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const file = join(folder, name);
    try {
      const info = await fsp.lstat(file);
      if (!info.isFile()) continue;
      if (processIsAlive(Number(match[1])) && Date.now() - info.mtimeMs < maxAgeMs) continue;
      await fsp.rm(file, { force: true });
      removed.push(file);
    } catch {
      // gone already, or not ours to remove: leave it
    }
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, under another user
  }
}

/** Makes a rename durable. Not possible on every platform (Windows cannot open a directory): best effort. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(directory, 'r');
    await handle.sync();
  } catch {
    // The rename is already atomic; only durability across a power loss is weaker here.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Reads and decodes a safetensors file; error messages start with `path`.
 *
 * @throws CheckpointFormatError for a missing or unreadable file too (the fs error is its `cause`, its
 *   code the error's `code`), and for a path that is not a regular file (a FIFO, a device, a folder).
 */
export async function readSafetensorsFile(
  path: string,
  opts: { requireFinite?: boolean } = {},
): Promise<DecodedSafetensors> {
  const fail = failFor(path);
  const { bytes, header } = await readValidated(path, fail);
  return decodeData(bytes, header, opts.requireFinite ?? true, fail);
}

/**
 * The bytes of a safetensors file whose length prefix, header and checksums are valid (its tensors are
 * not decoded), read as readSafetensorsFile reads them: for copying a file once it is known to be one.
 *
 * @throws CheckpointFormatError as readSafetensorsFile does.
 */
export async function readSafetensorsBytes(path: string): Promise<Uint8Array> {
  const fail = failFor(path);
  const { bytes, header } = await readValidated(path, fail);
  verifyDataChecksum(bytes, header, fail);
  return bytes;
}

/**
 * Reads a file in three steps, each bounded by the file's size: the 8-byte length, then the header (parsed
 * and validated), then the data region. Only a regular file is opened, and without blocking: a FIFO
 * would otherwise wait for a writer forever, and a device never ends.
 */
async function readValidated(path: string, fail: Fail): Promise<{ bytes: Uint8Array; header: ParsedHeader }> {
  const cannotRead = (err: unknown): never => {
    throw new CheckpointFormatError(`${path}: cannot read the checkpoint: ${describeFsError(err)}`, { cause: err });
  };
  const checkKind = (info: Stats) => {
    if (info.isDirectory()) fail('cannot read the checkpoint: it is a directory, not a file (EISDIR)');
    if (!info.isFile()) fail(`cannot read the checkpoint: it is ${describeFileKind(info)}, not a regular file`);
  };
  checkKind(await fsp.stat(path).catch(cannotRead));
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0)).catch(cannotRead);
    const info = await handle.stat().catch(cannotRead);
    checkKind(info); // the path may have changed since
    const size = info.size;
    const readAt = async (into: Uint8Array, position: number): Promise<void> => {
      let done = 0;
      while (done < into.length) {
        const { bytesRead } = await handle!.read(into, done, into.length - done, position + done).catch(cannotRead);
        if (bytesRead === 0) fail(`truncated: the file ended at ${position + done} bytes while it was read (was it being written?)`);
        done += bytesRead;
      }
    };
    if (size < 8) {
      const short = new Uint8Array(size);
      await readAt(short, 0);
      fail(`truncated: ${size} bytes, too short for a safetensors header`);
    }
    const prefix = new Uint8Array(8);
    await readAt(prefix, 0);
    const dataStart = 8 + checkHeaderLength(readHeaderLength(prefix), size, fail);
    if (size > bufferConstants.MAX_LENGTH) fail(`${size} bytes is more than this program can hold in memory`);
    const head = new Uint8Array(dataStart);
    head.set(prefix);
    await readAt(head.subarray(8), 8);
    const header = parseHeader(head, size, fail);
    const bytes = new Uint8Array(size);
    bytes.set(head);
    await readAt(bytes.subarray(dataStart), dataStart);
    return { bytes, header };
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function describeFsError(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EISDIR':
      return 'it is a directory, not a file (EISDIR)';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function describeFileKind(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(DTYPE_SIZE, value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Product of the dimensions; 1 for a scalar. May exceed 2^53 for absurd shapes (callers check). */
function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Adds an own property even for a key like "__proto__", which plain assignment would not. */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Sorts by UTF-16 code units, independent of locale. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The bytes of an ASCII string. */
function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The first index at or after `from` where `pattern` occurs in `bytes`, or -1. */
function indexOfBytes(bytes: Uint8Array, pattern: Uint8Array, from = 0): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(pattern, from);
}

function formatCrc(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** A short, safe rendering of an arbitrary value for an error message. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array ${jsonSnippet(value)}`;
  if (typeof value === 'object') return `an object ${jsonSnippet(value)}`;
  if (typeof value === 'string') return `'${truncate(value)}'`;
  return `${typeof value} ${String(value)}`;
}

/** Compact JSON of a value, shortened for a message. */
function jsonSnippet(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return truncate(text);
}

function truncate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

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
 * gaps, no trailing bytes. Files written here carry a CRC-32 of the data region in
 * `__metadata__.crc32`; it is verified when present (files from PyTorch have none and are accepted).
 */

import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from './crc32';

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
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CheckpointFormatError';
  }
}

/** Bytes per element of each dtype. */
const DTYPE_SIZE: Readonly<Record<DType, number>> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1 };
const SUPPORTED_DTYPES = Object.keys(DTYPE_SIZE).join(', ');

/** The reference implementation refuses headers above 100 MB; so do we, before parsing anything. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const CHECKSUM_KEY = 'crc32';
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
 * Adds `metadata.crc32` (8 lowercase hex digits, CRC-32 of the data region) unless the caller passed
 * one, in which case it must match the data (a stale checksum would make the file unreadable).
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
  return out;
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

/**
 * Parses and validates safetensors bytes, then decodes every tensor into a fresh typed array.
 *
 * The header is checked completely (sizes, dtypes, shapes, offsets inside the file, no overlap or gap,
 * metadata strings) and the crc32 checksum verified when present before any tensor is allocated.
 * Reading is explicit little-endian and does not require the data region to be aligned.
 *
 * @throws CheckpointFormatError whose message starts with `opts.source` (or 'checkpoint').
 */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedSafetensors {
  const source = opts.source ?? 'checkpoint';
  const requireFinite = opts.requireFinite ?? true;
  const fail: Fail = (problem) => {
    throw new CheckpointFormatError(`${source}: ${problem}`);
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected the file contents as a Uint8Array, got ${describeValue(bytes)}`);

  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declaredHeaderLength = view.getBigUint64(0, true);
  if (declaredHeaderLength > BigInt(bytes.length - 8)) {
    fail(
      `header length ${declaredHeaderLength} exceeds the file size (${bytes.length} bytes): ` +
        'truncated or not a safetensors file',
    );
  }
  if (declaredHeaderLength > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${declaredHeaderLength} exceeds the ${MAX_HEADER_BYTES}-byte limit: corrupt or not a safetensors file`);
  }
  const dataStart = 8 + Number(declaredHeaderLength);
  const dataLength = bytes.length - dataStart;

  const header = parseHeaderJson(bytes.subarray(8, dataStart), fail);
  const entries: TensorEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const key of Object.keys(header)) {
    if (key === METADATA_KEY) metadata = validateMetadata(header[key], fail);
    else entries.push(validateEntry(key, header[key], dataLength, fail));
  }
  checkTiling(entries, dataLength, fail);

  const stored = metadata[CHECKSUM_KEY];
  if (stored !== undefined) {
    if (!/^[0-9a-fA-F]{8}$/.test(stored)) fail(`__metadata__ crc32 '${stored}' is not 8 hex digits: corrupt file`);
    const computed = crc32(bytes.subarray(dataStart));
    if (Number.parseInt(stored, 16) !== computed) {
      fail(
        `checksum mismatch (stored ${stored.toLowerCase()}, computed ${formatCrc(computed)}): ` +
          'the file is corrupt (bit flip or partial write)',
      );
    }
  }

  const tensors: Record<string, TensorOut> = {};
  entries.sort((a, b) => compareCodeUnits(a.name, b.name));
  for (const entry of entries) {
    const data = decodeTensorData(view, dataStart + entry.begin, entry, requireFinite, fail);
    setOwn(tensors, entry.name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return { tensors, metadata };
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
 * left as it was, and the error is rethrown.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(`writeFileAtomic: data must be a Uint8Array, got ${describeValue(data)}`);
  }
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
 * @throws CheckpointFormatError for a missing or unreadable file too (the fs error is its `cause`).
 */
export async function readSafetensorsFile(
  path: string,
  opts: { requireFinite?: boolean } = {},
): Promise<DecodedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path);
  } catch (err) {
    throw new CheckpointFormatError(`${path}: cannot read the checkpoint: ${describeFsError(err)}`, { cause: err });
  }
  return decodeSafetensors(bytes, { source: path, requireFinite: opts.requireFinite });
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

/**
 * The strict safetensors decoder (format.ts): bytes to tensors, each in a fresh typed array.
 *
 * The whole header is validated against the file size before any tensor is allocated or read, and every
 * problem is reported as a CheckpointFormatError naming the file and the defect. Like the reference
 * implementation, the tensors must tile the data region exactly: no overlaps, no gaps, no trailing
 * bytes. Each checksum is verified when present (files from PyTorch have none and are accepted). The
 * steps are exported for file.ts, which reads a file's header before its data.
 */
import { crc32 } from '../../common/crc32';
import {
  CHECKSUM_KEY, compareCodeUnits, describeValue, type DType, DTYPE_SIZE, elementCount, type Fail, failFor, formatCrc, HEADER_CHECKSUM_KEY,
  headerChecksumDigitsAt, headerCrc, isNonNegativeInteger, jsonSnippet, METADATA_KEY, truncate,
} from './format';

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

const SUPPORTED_DTYPES = Object.keys(DTYPE_SIZE).join(', ');

/** The reference implementation refuses headers above 100 MB; so do we, before parsing anything. */
const MAX_HEADER_BYTES = 100_000_000;

const TENSOR_FIELDS = ['data_offsets', 'dtype', 'shape'];

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

/** The length prefix and the header, validated against the file's size; offsets relative to the data region. */
export interface ParsedHeader {
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

export function readHeaderLength(prefix: Uint8Array): bigint {
  return new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
}

/** The header's length as a number, once it is known to fit in a file of `fileSize` bytes and the limit. */
export function checkHeaderLength(declared: bigint, fileSize: number, fail: Fail): number {
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
export function parseHeader(head: Uint8Array, fileSize: number, fail: Fail): ParsedHeader {
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
export function decodeData(bytes: Uint8Array, header: ParsedHeader, requireFinite: boolean, fail: Fail): DecodedSafetensors {
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

export function verifyDataChecksum(bytes: Uint8Array, header: ParsedHeader, fail: Fail): void {
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

function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(DTYPE_SIZE, value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Adds an own property even for a key like "__proto__", which plain assignment would not. */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

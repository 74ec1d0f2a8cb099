/**
 * The safetensors encoder (format.ts): tensors and string metadata to bytes, deterministically (sorted
 * names and keys, a header padded with spaces to a multiple of 8 bytes), with the data region's and the
 * header's CRC-32s added to the metadata.
 */
import { crc32 } from '../../common/crc32';
import {
  asciiBytes, CHECKSUM_KEY, compareCodeUnits, describeValue, DTYPE_SIZE, elementCount, formatCrc, HEADER_CHECKSUM_KEY,
  HEADER_CHECKSUM_PLACEHOLDER, headerChecksumDigitsAt, isNonNegativeInteger, METADATA_KEY,
} from './format';

/** A tensor to encode; `data.length` must equal the product of `shape` (1 for a scalar `[]`). */
export interface TensorIn {
  dtype: 'F32' | 'I32' | 'U8';
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** The typed array that holds each writable dtype. */
const ARRAY_TYPE_FOR_DTYPE = { F32: Float32Array, I32: Int32Array, U8: Uint8Array } as const;

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

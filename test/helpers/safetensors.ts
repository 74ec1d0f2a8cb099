/**
 * Shared by the safetensors tests: files built by hand in the reference layout (a header given as JSON
 * text, unlike helpers/checkpoint.ts's buildFile, which takes an object), little-endian values, and
 * the assertion that a decode fails with a CheckpointFormatError.
 */
import assert from 'node:assert/strict';
import { CheckpointFormatError } from '../../src/core/checkpoint/safetensors/format';
import type { TensorIn } from '../../src/core/checkpoint/safetensors/encode';

export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The bytes behind a typed array (what "bit-exact" compares). */
export function rawBytes(array: Float32Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function f32FromBits(bits: number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

/** A safetensors file in the reference layout, built by hand: u64 LE length, header JSON, data. */
export function buildFile(headerJson: string, data: Uint8Array, { pad = true } = {}): Uint8Array {
  let header = ascii(headerJson);
  if (pad && header.length % 8 !== 0) {
    const padded = new Uint8Array(Math.ceil(header.length / 8) * 8).fill(0x20);
    padded.set(header);
    header = padded;
  }
  const file = new Uint8Array(8 + header.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
  file.set(header, 8);
  file.set(data, 8 + header.length);
  return file;
}

/** Little-endian bytes written through a DataView, one setter call per value. */
export function leBytes<T>(size: number, values: readonly T[], write: (view: DataView, offset: number, value: T) => void): Uint8Array {
  const out = new Uint8Array(size * values.length);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => write(view, i * size, value));
  return out;
}
export const f32le = (values: number[]) => leBytes(4, values, (v, o, x) => v.setFloat32(o, x, true));
export const f64le = (values: number[]) => leBytes(8, values, (v, o, x) => v.setFloat64(o, x, true));
export const u16le = (values: number[]) => leBytes(2, values, (v, o, x) => v.setUint16(o, x, true));
export const i64le = (values: bigint[]) => leBytes(8, values, (v, o, x) => v.setBigInt64(o, x, true));

/** Header length, parsed JSON and data region of an encoded file. */
export function splitFile(file: Uint8Array): { headerLength: number; header: Record<string, unknown>; headerText: string; data: Uint8Array } {
  const headerLength = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const headerText = new TextDecoder().decode(file.subarray(8, 8 + headerLength));
  return { headerLength, headerText, header: JSON.parse(headerText) as Record<string, unknown>, data: file.subarray(8 + headerLength) };
}

/** Asserts `fn` throws a CheckpointFormatError whose message matches exactly (string) or matches (RegExp). */
export function assertFormatError(fn: () => unknown, expected: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CheckpointFormatError, `expected CheckpointFormatError, got ${String(err)}`);
    assert.equal(err.name, 'CheckpointFormatError');
    if (typeof expected === 'string') assert.equal(err.message, expected);
    else assert.match(err.message, expected);
    return true;
  });
}

export function flipBit(bytes: Uint8Array, byteIndex: number, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[byteIndex] ^= 1 << bit;
  return copy;
}

/** A small model-like checkpoint used by several tests. */
export function sampleTensors(): Record<string, TensorIn> {
  return {
    Wxh: { dtype: 'F32', shape: [2, 3], data: new Float32Array([0.5, -1.25, 3, 1e-3, -0, 7]) },
    bh: { dtype: 'F32', shape: [3], data: new Float32Array([0.1, 0.2, 0.3]) },
    step: { dtype: 'I32', shape: [], data: new Int32Array([1234]) },
    vocab: { dtype: 'U8', shape: [5], data: ascii('abcde') },
  };
}

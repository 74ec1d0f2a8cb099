import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from '../../../src/core/common/crc32';
import {
  CheckpointFormatError,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsFile,
  writeFileAtomic,
  type TensorIn,
} from '../../../src/core/checkpoint/safetensors';

// ---------------------------------------------------------------------------------------------
// Helpers

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The bytes behind a typed array (what "bit-exact" compares). */
function rawBytes(array: Float32Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function f32FromBits(bits: number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

/** A safetensors file in the reference layout, built by hand: u64 LE length, header JSON, data. */
function buildFile(headerJson: string, data: Uint8Array, { pad = true } = {}): Uint8Array {
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
function leBytes<T>(size: number, values: readonly T[], write: (view: DataView, offset: number, value: T) => void): Uint8Array {
  const out = new Uint8Array(size * values.length);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => write(view, i * size, value));
  return out;
}
const f32le = (values: number[]) => leBytes(4, values, (v, o, x) => v.setFloat32(o, x, true));
const f64le = (values: number[]) => leBytes(8, values, (v, o, x) => v.setFloat64(o, x, true));
const u16le = (values: number[]) => leBytes(2, values, (v, o, x) => v.setUint16(o, x, true));
const i64le = (values: bigint[]) => leBytes(8, values, (v, o, x) => v.setBigInt64(o, x, true));

/** Header length, parsed JSON and data region of an encoded file. */
function splitFile(file: Uint8Array): { headerLength: number; header: Record<string, unknown>; headerText: string; data: Uint8Array } {
  const headerLength = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const headerText = new TextDecoder().decode(file.subarray(8, 8 + headerLength));
  return { headerLength, headerText, header: JSON.parse(headerText) as Record<string, unknown>, data: file.subarray(8 + headerLength) };
}

/** Asserts `fn` throws a CheckpointFormatError whose message matches exactly (string) or matches (RegExp). */
function assertFormatError(fn: () => unknown, expected: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CheckpointFormatError, `expected CheckpointFormatError, got ${String(err)}`);
    assert.equal(err.name, 'CheckpointFormatError');
    if (typeof expected === 'string') assert.equal(err.message, expected);
    else assert.match(err.message, expected);
    return true;
  });
}

function flipBit(bytes: Uint8Array, byteIndex: number, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[byteIndex] ^= 1 << bit;
  return copy;
}

/** A small model-like checkpoint used by several tests. */
function sampleTensors(): Record<string, TensorIn> {
  return {
    Wxh: { dtype: 'F32', shape: [2, 3], data: new Float32Array([0.5, -1.25, 3, 1e-3, -0, 7]) },
    bh: { dtype: 'F32', shape: [3], data: new Float32Array([0.1, 0.2, 0.3]) },
    step: { dtype: 'I32', shape: [], data: new Int32Array([1234]) },
    vocab: { dtype: 'U8', shape: [5], data: ascii('abcde') },
  };
}

// ---------------------------------------------------------------------------------------------

describe('crc32', () => {
  it('matches the standard CRC-32/ISO-HDLC check values', () => {
    assert.equal(crc32(ascii('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    assert.equal(crc32(ascii('a')), 0xe8b7be43);
    assert.equal(crc32(ascii('The quick brown fox jumps over the lazy dog')), 0x414fa339);
    assert.equal(crc32(new Uint8Array(32)), 0x190a55ad);
    assert.equal(crc32(new Uint8Array(32).fill(0xff)), 0xff6cab0b);
  });

  it('returns an unsigned 32-bit integer and can be computed in pieces through the seed', () => {
    const whole = ascii('hello, incremental world');
    const value = crc32(whole);
    assert.ok(Number.isInteger(value) && value >= 0 && value <= 0xffffffff);
    for (const cut of [0, 1, 7, whole.length]) {
      assert.equal(crc32(whole.subarray(cut), crc32(whole.subarray(0, cut))), value);
    }
  });
});

describe('safetensors encode/decode round trip', () => {
  it('is bit-exact for F32 (-0, subnormals, extremes, NaN payloads), I32, U8, scalars and empty tensors', () => {
    const specials = f32FromBits([
      0x80000000, // -0
      0x00000001, // smallest subnormal
      0x007fffff, // largest subnormal
      0x00800000, // smallest normal
      0x7f7fffff, // largest finite
      0xff7fffff, // most negative finite
      0x3f800001, // 1 + ulp
      0x7fc00001, // quiet NaN with a payload
      0xff800001, // signalling NaN, negative
      0x7f800000, // +Infinity
    ]);
    const tensors: Record<string, TensorIn> = {
      specials: { dtype: 'F32', shape: [2, 5], data: specials },
      ints: { dtype: 'I32', shape: [4], data: new Int32Array([-2147483648, 2147483647, 0, -1]) },
      bytes: { dtype: 'U8', shape: [2, 128], data: Uint8Array.from({ length: 256 }, (_, i) => i) },
      scalar: { dtype: 'F32', shape: [], data: new Float32Array([Math.PI]) },
      empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
    };
    const metadata = { format: 'char-rnn', note: 'ünïcødé ✓ "quoted" \\ back\nslash', empty: '' };
    const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata), { requireFinite: false });

    assert.deepEqual(Object.keys(decoded.tensors), ['bytes', 'empty', 'ints', 'scalar', 'specials']);
    for (const [name, tensor] of Object.entries(tensors)) {
      const out = decoded.tensors[name];
      assert.equal(out.dtype, tensor.dtype, name);
      assert.deepEqual(out.shape, tensor.shape, name);
      assert.equal(out.data.constructor, tensor.data.constructor, name);
      assert.deepEqual(rawBytes(out.data), rawBytes(tensor.data), name);
    }
    assert.ok(Object.is(decoded.tensors.specials.data[0], -0));
    const { crc32: checksum, header_crc32: headerChecksum, ...rest } = decoded.metadata;
    assert.deepEqual(rest, metadata);
    assert.match(checksum, /^[0-9a-f]{8}$/);
    assert.match(headerChecksum, /^[0-9a-f]{8}$/);
  });

  it('returns fresh arrays that do not alias the input bytes', () => {
    const file = encodeSafetensors(sampleTensors(), {});
    const decoded = decodeSafetensors(file);
    assert.notEqual(decoded.tensors.vocab.data.buffer, file.buffer);
    file.fill(0, 8);
    assert.equal(decoded.tensors.Wxh.data[0], 0.5);
    assert.equal(new TextDecoder().decode(decoded.tensors.vocab.data), 'abcde');
  });

  it('decodes from an unaligned view into a larger buffer (e.g. a pooled Buffer)', () => {
    const file = encodeSafetensors(sampleTensors(), {});
    for (const shift of [1, 2, 3, 5]) {
      const backing = new Uint8Array(file.length + shift + 3);
      backing.set(file, shift);
      const decoded = decodeSafetensors(backing.subarray(shift, shift + file.length));
      assert.deepEqual(Array.from(decoded.tensors.Wxh.data), Array.from(sampleTensors().Wxh.data));
      assert.deepEqual(Array.from(decoded.tensors.step.data), [1234]);
    }
  });

  it('produces identical bytes for the same input regardless of key insertion order', () => {
    const forward = sampleTensors();
    const backward = Object.fromEntries(Object.entries(sampleTensors()).reverse());
    const a = encodeSafetensors(forward, { b: '2', a: '1' });
    const b = encodeSafetensors(backward, { a: '1', b: '2' });
    assert.deepEqual(a, b);
    assert.deepEqual(encodeSafetensors(forward, { b: '2', a: '1' }), a);
  });

  it('writes the reference layout: padded header, sorted keys, contiguous little-endian data, crc32, header_crc32', () => {
    const tensors: Record<string, TensorIn> = {
      '10': { dtype: 'I32', shape: [1], data: new Int32Array([-2]) },
      '2': { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
      b: { dtype: 'F32', shape: [2], data: new Float32Array([1.5, -2]) },
      A: { dtype: 'F32', shape: [1], data: new Float32Array([0.25]) },
    };
    const file = encodeSafetensors(tensors, { zeta: 'z', alpha: 'a' });
    const { headerLength, headerText, header, data } = splitFile(file);

    // Names sorted by code unit ("10" < "2" < "A" < "__metadata__" < "b"), data laid out in that order.
    const checksum = crc32(data).toString(16).padStart(8, '0');
    const json = (headerChecksum: string) =>
      '{"10":{"data_offsets":[0,4],"dtype":"I32","shape":[1]},' +
      '"2":{"data_offsets":[4,7],"dtype":"U8","shape":[3]},' +
      '"A":{"data_offsets":[7,11],"dtype":"F32","shape":[1]},' +
      `"__metadata__":{"alpha":"a","crc32":"${checksum}","header_crc32":"${headerChecksum}","zeta":"z"},` +
      '"b":{"data_offsets":[11,19],"dtype":"F32","shape":[2]}}';
    assert.equal(headerLength % 8, 0);
    // header_crc32: the CRC-32 of the length prefix and the padded header with its own digits as zeros
    const withZeros = file.slice(0, 8 + headerLength);
    withZeros.set(ascii(json('00000000').padEnd(headerLength, ' ')), 8);
    const headerChecksum = crc32(withZeros).toString(16).padStart(8, '0');
    assert.equal(headerText, json(headerChecksum).padEnd(headerLength, ' '));
    assert.deepEqual(header.__metadata__, { alpha: 'a', crc32: checksum, header_crc32: headerChecksum, zeta: 'z' });

    const expected = new Uint8Array(19);
    const view = new DataView(expected.buffer);
    view.setInt32(0, -2, true);
    expected.set([1, 2, 3], 4);
    view.setFloat32(7, 0.25, true);
    view.setFloat32(11, 1.5, true);
    view.setFloat32(15, -2, true);
    assert.deepEqual(data, expected);
  });

  it('keeps a caller-supplied crc32 that matches and refuses one that does not', () => {
    const tensors = sampleTensors();
    const original = encodeSafetensors(tensors, {});
    const { crc32: checksum } = decodeSafetensors(original).metadata;
    assert.deepEqual(encodeSafetensors(tensors, { crc32: checksum }), original);
    assert.throws(() => encodeSafetensors(tensors, { crc32: '00000000' }), /metadata crc32 '00000000' does not match the data/);
  });

  it('refuses tensors whose data does not match their dtype or shape', () => {
    const bad = (tensor: unknown) => ({ t: tensor as TensorIn });
    assert.throws(() => encodeSafetensors(bad({ dtype: 'F32', shape: [2], data: new Int32Array(2) }), {}), /dtype F32 but its data is not a Float32Array/);
    assert.throws(() => encodeSafetensors(bad({ dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }), {}), /shape \[2, 2\] \(4 elements\) but 3 values/);
    assert.throws(() => encodeSafetensors(bad({ dtype: 'F32', shape: [-1], data: new Float32Array(0) }), {}), /invalid shape/);
    assert.throws(() => encodeSafetensors(bad({ dtype: 'F64', shape: [1], data: new Float32Array(1) }), {}), /only F32, I32 and U8/);
    assert.throws(
      () => encodeSafetensors({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }, {}),
      /'__metadata__' is reserved/,
    );
    assert.throws(() => encodeSafetensors({}, { n: 1 as unknown as string }), /metadata 'n' must be a string/);
  });
});

describe('safetensors decoding of hand-built reference files', () => {
  const weights = [0.5, -1, 2.25, 1e-20, -3.5e10, 6];
  const bias = [0.125, -0.25, 8];
  const json =
    '{"__metadata__":{"format":"pt"},' +
    '"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},' +
    '"bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}}';
  const data = new Uint8Array([...f32le(weights), ...f32le(bias)]);

  function checkDecoded(file: Uint8Array): void {
    const { tensors, metadata } = decodeSafetensors(file);
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual(tensors.weight.shape, [2, 3]);
    assert.deepEqual(Array.from(tensors.weight.data), weights.map(Math.fround));
    assert.deepEqual(tensors.bias, { dtype: 'F32', shape: [3], data: new Float32Array(bias) });
  }

  it('decodes a header padded with spaces to a multiple of 8 bytes', () => {
    const file = buildFile(json, data, { pad: true });
    assert.notEqual(ascii(json).length % 8, 0, 'the test needs padding to be present');
    assert.equal(file[8 + ascii(json).length], 0x20);
    checkDecoded(file);
  });

  it('decodes an unpadded header, leaving the data region unaligned', () => {
    const file = buildFile(json, data, { pad: false });
    assert.notEqual((8 + ascii(json).length) % 4, 0, 'the test needs an unaligned data region');
    checkDecoded(file);
  });

  it('decodes a file without __metadata__ and one with no tensors', () => {
    const one = buildFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32le([42]), { pad: false });
    assert.deepEqual(decodeSafetensors(one), { tensors: { x: { dtype: 'F32', shape: [1], data: new Float32Array([42]) } }, metadata: {} });
    assert.deepEqual(decodeSafetensors(buildFile('{}', new Uint8Array(0))), { tensors: {}, metadata: {} });
  });

  it('decodes F16 (normals, subnormals, ±0, ±Infinity, NaN) widened to float32', () => {
    const halves = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x3555, 0x7c00, 0xfc00, 0x7e00, 0x8001];
    const file = buildFile(`{"h":{"dtype":"F16","shape":[${halves.length}],"data_offsets":[0,${2 * halves.length}]}}`, u16le(halves));
    const { h } = decodeSafetensors(file, { requireFinite: false }).tensors;
    assert.equal(h.dtype, 'F16');
    assert.ok(h.data instanceof Float32Array);
    const values = Array.from(h.data);
    assert.deepEqual(values.slice(0, 8), [1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, -0, 0.333251953125]);
    assert.ok(Object.is(values[6], -0));
    assert.equal(values[8], Infinity);
    assert.equal(values[9], -Infinity);
    assert.ok(Number.isNaN(values[10]));
    assert.equal(values[11], -(2 ** -24));
  });

  it('decodes BF16 as the top half of a float32', () => {
    const halves = [0x3f80, 0xc000, 0x4049, 0x0001, 0x7f7f, 0x8000];
    const file = buildFile(`{"b":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}}`, u16le(halves));
    const { b } = decodeSafetensors(file).tensors;
    assert.deepEqual(b.shape, [2, 3]);
    assert.deepEqual(new Uint32Array(b.data.buffer), new Uint32Array(halves.map((h) => h << 16)));
    assert.deepEqual(Array.from(b.data).slice(0, 3), [1, -2, 3.140625]);
  });

  it('decodes F64 narrowed to float32 and I64 into int32', () => {
    const doubles = [1.5, -0.1, 1e-300, 3.4028234663852886e38, -0];
    const longs = [0n, -1n, 2147483647n, -2147483648n, 42n];
    const json2 =
      `{"d":{"dtype":"F64","shape":[5],"data_offsets":[0,40]},` + `"l":{"dtype":"I64","shape":[5],"data_offsets":[40,80]}}`;
    const { d, l } = decodeSafetensors(buildFile(json2, new Uint8Array([...f64le(doubles), ...i64le(longs)]))).tensors;
    assert.ok(d.data instanceof Float32Array);
    assert.deepEqual(d.data, new Float32Array(doubles));
    assert.ok(Object.is(d.data[4], -0));
    assert.ok(l.data instanceof Int32Array);
    assert.deepEqual(Array.from(l.data), [0, -1, 2147483647, -2147483648, 42]);
  });

  it('decodes I32 and U8 written by another tool', () => {
    const ints = leBytes(4, [7, -8], (v, o, x) => v.setInt32(o, x, true));
    const file = buildFile('{"i":{"dtype":"I32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}', new Uint8Array([...ints, 255, 0, 9]), { pad: false });
    const { i, u } = decodeSafetensors(file).tensors;
    assert.deepEqual(i.data, new Int32Array([7, -8]));
    assert.deepEqual(u.data, new Uint8Array([255, 0, 9]));
  });
});

describe('safetensors refuses bad files with a specific message', () => {
  const good = encodeSafetensors(sampleTensors(), { format: 'char-rnn' });
  const { headerLength, data: goodData } = splitFile(good);
  const dataStart = 8 + headerLength;
  const src = 'model.safetensors';
  const decode = (bytes: Uint8Array, requireFinite = true) => () => decodeSafetensors(bytes, { source: src, requireFinite });
  const single = (entry: string, data: Uint8Array, extra = '') => buildFile(`{${extra}"x":${entry}}`, data);

  it('names the source, or "checkpoint" when none is given', () => {
    assertFormatError(() => decodeSafetensors(new Uint8Array(5)), 'checkpoint: truncated: 5 bytes, too short for a safetensors header');
    assertFormatError(decode(new Uint8Array(5)), `${src}: truncated: 5 bytes, too short for a safetensors header`);
  });

  it('refuses files truncated inside the length prefix, the header and the data region', () => {
    for (const length of [0, 1, 5, 7]) {
      assertFormatError(decode(good.subarray(0, length)), `${src}: truncated: ${length} bytes, too short for a safetensors header`);
    }
    for (const length of [8, 9, 20, dataStart - 1]) {
      assertFormatError(
        decode(good.subarray(0, length)),
        `${src}: header length ${headerLength} exceeds the file size (${length} bytes): truncated or not a safetensors file`,
      );
    }
    for (const length of [dataStart, dataStart + 1, good.length - 1]) {
      assertFormatError(decode(good.subarray(0, length)), /^model\.safetensors: tensor '\w+' \(data_offsets \[\d+, \d+\]\) extends past the end of the file \(the data region has \d+ bytes\): truncated$/);
    }
    for (let length = 0; length < good.length; length++) {
      assert.throws(decode(good.subarray(0, length)), CheckpointFormatError, `length ${length}`);
    }
  });

  it('refuses a header length above the 100 MB limit even when the file is that large', () => {
    const huge = new Uint8Array(100_000_016);
    new DataView(huge.buffer).setBigUint64(0, 100_000_001n, true);
    assertFormatError(decode(huge), `${src}: header length 100000001 exceeds the 100000000-byte limit: corrupt or not a safetensors file`);
  });

  it('refuses foreign files: PNG, plain text, JSON, empty', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
    assertFormatError(decode(png), /^model\.safetensors: header length \d+ exceeds the file size \(20 bytes\): truncated or not a safetensors file$/);
    assertFormatError(decode(ascii('Hello, world!\nThis is a text file.\n')), /header length \d+ exceeds the file size \(35 bytes\)/);
    assertFormatError(decode(ascii('{"weights": [1, 2, 3]}')), /header length \d+ exceeds the file size/);
    assertFormatError(decode(new Uint8Array(0)), `${src}: truncated: 0 bytes, too short for a safetensors header`);
  });

  it('refuses a header that is not a UTF-8 JSON object', () => {
    const notJson = /^model\.safetensors: header is not valid JSON \(.+\): corrupt or not a safetensors file$/;
    assertFormatError(decode(flipBit(good, 8, 0)), notJson); // '{' -> 'z'
    assertFormatError(decode(buildFile('not json at all', new Uint8Array(0))), notJson);
    assertFormatError(decode(buildFile('', new Uint8Array(0))), notJson);
    assertFormatError(decode(buildFile('[1,2]', new Uint8Array(0))), `${src}: header is not valid JSON (top level is an array [1,2], expected an object): corrupt or not a safetensors file`);
    assertFormatError(decode(buildFile('null', new Uint8Array(0))), /\(top level is null, expected an object\)/);
    const badUtf8 = buildFile('{"__metadata__":{"a":"xx"}}', new Uint8Array(0));
    badUtf8[8 + 22] = 0xff;
    assertFormatError(decode(badUtf8), `${src}: header is not valid JSON (invalid UTF-8): corrupt or not a safetensors file`);
  });

  it('reports flipped bits in the header JSON: by the header checksum, or what they break without one', () => {
    const headerText = splitFile(good).headerText;
    const dtypeAt = 8 + headerText.indexOf('"F32"') + 1; // 'F' -> 'G'
    const shapeAt = 8 + headerText.indexOf('"shape":[2,3]') + 9; // '2' -> '3'
    const mismatch = /^model\.safetensors: header checksum mismatch \(stored [0-9a-f]{8}, computed [0-9a-f]{8}\): the file is corrupt \(bit flip or partial write\)$/;
    assertFormatError(decode(flipBit(good, dtypeAt, 0)), mismatch);
    assertFormatError(decode(flipBit(good, shapeAt, 0)), mismatch);
    // a file without header_crc32 (another writer): the flips are found by what they break
    const header = JSON.parse(headerText) as Record<string, Record<string, string>>;
    delete header.__metadata__.header_crc32;
    const unchecked = buildFile(JSON.stringify(header), goodData);
    const uncheckedText = splitFile(unchecked).headerText;
    assertFormatError(
      decode(flipBit(unchecked, 8 + uncheckedText.indexOf('"F32"') + 1, 0)),
      /^model\.safetensors: tensor 'Wxh' has unsupported dtype 'G32' \(supported: F32, F64, F16, BF16, I32, I64, U8\)$/,
    );
    assertFormatError(
      decode(flipBit(unchecked, 8 + uncheckedText.indexOf('"shape":[2,3]') + 9, 0)),
      `${src}: tensor 'Wxh' has 24 bytes of data (data_offsets [0, 24]) but dtype F32 with shape [3, 3] needs 36 bytes`,
    );
  });

  it('detects every flipped bit in the length prefix and the header, but in the header checksum\'s own name', () => {
    // a flip in the name 'header_crc32' leaves a file without it, as another writer's: checkpoint.ts
    // refuses that from format 2 on (checkpoint-hardening.test.ts)
    const keyAt = 8 + splitFile(good).headerText.indexOf('"header_crc32"') + 1;
    for (let byte = 0; byte < dataStart; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        if (byte >= keyAt && byte < keyAt + 'header_crc32'.length) {
          let metadata: Record<string, string> | undefined;
          try {
            metadata = decodeSafetensors(flipBit(good, byte, bit)).metadata;
          } catch (err) {
            assert.ok(err instanceof CheckpointFormatError, `byte ${byte} bit ${bit}: ${String(err)}`);
          }
          assert.equal(metadata?.header_crc32, undefined, `byte ${byte} bit ${bit}`);
        } else {
          assert.throws(decode(flipBit(good, byte, bit)), CheckpointFormatError, `byte ${byte} bit ${bit}`);
        }
      }
    }
  });

  it('detects every flipped bit in the data region with the checksum', () => {
    const stored = crc32(goodData).toString(16).padStart(8, '0');
    for (let byte = dataStart; byte < good.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const corrupt = flipBit(good, byte, bit);
        const computed = crc32(corrupt.subarray(dataStart)).toString(16).padStart(8, '0');
        assertFormatError(
          decode(corrupt, false),
          `${src}: checksum mismatch (stored ${stored}, computed ${computed}): the file is corrupt (bit flip or partial write)`,
        );
      }
    }
  });

  it('only ever fails with CheckpointFormatError, whatever single bit is flipped', () => {
    for (let byte = 0; byte < good.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        try {
          decodeSafetensors(flipBit(good, byte, bit));
        } catch (err) {
          assert.ok(err instanceof CheckpointFormatError, `byte ${byte} bit ${bit}: ${String(err)}`);
        }
      }
    }
  });

  it('refuses a malformed checksum', () => {
    const file = single('{"dtype":"U8","shape":[1],"data_offsets":[0,1]}', new Uint8Array([1]), '"__metadata__":{"crc32":"xyz"},');
    assertFormatError(decode(file), `${src}: __metadata__ crc32 'xyz' is not 8 hex digits: corrupt file`);
  });

  it('refuses unknown dtypes and malformed shapes or offsets', () => {
    const u8 = new Uint8Array(4);
    assertFormatError(decode(single('{"dtype":"I8","shape":[4],"data_offsets":[0,4]}', u8)), `${src}: tensor 'x' has unsupported dtype 'I8' (supported: F32, F64, F16, BF16, I32, I64, U8)`);
    assertFormatError(decode(single('{"dtype":7,"shape":[4],"data_offsets":[0,4]}', u8)), /tensor 'x' has unsupported dtype number 7/);
    for (const shape of ['[2.5]', '[-1]', '["4"]', '4', 'null']) {
      assertFormatError(
        decode(single(`{"dtype":"U8","shape":${shape},"data_offsets":[0,4]}`, u8)),
        `${src}: tensor 'x' has an invalid shape ${shape}: expected a list of non-negative integers`,
      );
    }
    for (const offsets of ['[0]', '[0,4,8]', '["0",4]', '[0,4.5]', '[-4,0]', '{}']) {
      assertFormatError(
        decode(single(`{"dtype":"U8","shape":[4],"data_offsets":${offsets}}`, u8)),
        `${src}: tensor 'x' has invalid data_offsets ${offsets}: expected two non-negative integers [begin, end]`,
      );
    }
    assertFormatError(decode(single('{"dtype":"U8","shape":[4],"data_offsets":[4,0]}', u8)), `${src}: tensor 'x' has data_offsets [4, 0] whose end is before its begin`);
    assertFormatError(
      decode(single('{"dtype":"F32","shape":[2],"data_offsets":[0,4]}', u8)),
      `${src}: tensor 'x' has 4 bytes of data (data_offsets [0, 4]) but dtype F32 with shape [2] needs 8 bytes`,
    );
    assertFormatError(
      decode(single('{"dtype":"F32","shape":[9007199254740991,9007199254740991],"data_offsets":[0,4]}', u8)),
      `${src}: tensor 'x' has an impossibly large shape [9007199254740991, 9007199254740991]`,
    );
    assertFormatError(decode(single('{"dtype":"U8","shape":[4]}', u8)), `${src}: tensor 'x' has no 'data_offsets'`);
    assertFormatError(decode(single('{"dtype":"U8","shape":[4],"data_offsets":[0,4],"extra":1}', u8)), /tensor 'x' has an unexpected field 'extra'/);
    assertFormatError(decode(single('[1]', u8)), `${src}: tensor 'x': header entry is an array [1], expected an object`);
  });

  it('refuses offsets outside the data region, overlaps, gaps and trailing bytes', () => {
    const f32 = (name: string, begin: number) => `"${name}":{"dtype":"F32","shape":[2],"data_offsets":[${begin},${begin + 8}]}`;
    assertFormatError(
      decode(buildFile(`{${f32('a', 0)},${f32('b', 8)}}`, new Uint8Array(12))),
      `${src}: tensor 'b' (data_offsets [8, 16]) extends past the end of the file (the data region has 12 bytes): truncated`,
    );
    assertFormatError(
      decode(buildFile(`{${f32('a', 0)},${f32('b', 4)}}`, new Uint8Array(12))),
      `${src}: tensors 'a' (data_offsets [0, 8]) and 'b' (data_offsets [4, 12]) overlap`,
    );
    assertFormatError(
      decode(buildFile(`{${f32('a', 0)},${f32('b', 0)}}`, new Uint8Array(8))),
      `${src}: tensors 'a' (data_offsets [0, 8]) and 'b' (data_offsets [0, 8]) overlap`,
    );
    assertFormatError(
      decode(buildFile(`{${f32('a', 0)},${f32('b', 12)}}`, new Uint8Array(20))),
      `${src}: bytes 8..12 of the data region belong to no tensor (gap before 'b'): corrupt file`,
    );
    assertFormatError(
      decode(buildFile(`{${f32('a', 0)}}`, new Uint8Array(11))),
      `${src}: 3 bytes after the last tensor's data belong to no tensor (data region 11 bytes, tensors cover 8): corrupt file or trailing garbage`,
    );
  });

  it('refuses __metadata__ that is not an object of strings', () => {
    const withMeta = (meta: string) => buildFile(`{"__metadata__":${meta}}`, new Uint8Array(0));
    assertFormatError(decode(withMeta('{"epochs":3}')), `${src}: __metadata__ value for 'epochs' is not a string (got number 3)`);
    assertFormatError(decode(withMeta('{"a":"ok","b":null}')), `${src}: __metadata__ value for 'b' is not a string (got null)`);
    assertFormatError(decode(withMeta('["a"]')), `${src}: __metadata__ must be an object of strings, got an array ["a"]`);
  });

  it('refuses non-finite values unless requireFinite is false', () => {
    const values = new Float32Array(20).fill(0.5);
    values[17] = NaN;
    const file = encodeSafetensors({ x: { dtype: 'F32', shape: [4, 5], data: values } }, {});
    assertFormatError(decode(file), `${src}: tensor 'x' contains a non-finite value (NaN) at index 17`);
    assert.ok(Number.isNaN(decodeSafetensors(file, { requireFinite: false }).tensors.x.data[17]));

    values[17] = 1;
    values[3] = -Infinity;
    assertFormatError(decode(encodeSafetensors({ x: { dtype: 'F32', shape: [20], data: values } }, {})), `${src}: tensor 'x' contains a non-finite value (-Infinity) at index 3`);

    const half = buildFile('{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', u16le([0x3c00, 0x7c00]));
    assertFormatError(decode(half), `${src}: tensor 'h' contains a non-finite value (Infinity) at index 1`);
    const double = buildFile('{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}', f64le([1, 1e300]));
    assertFormatError(decode(double), `${src}: tensor 'd' has an F64 value 1e+300 at index 1 that overflows float32`);
    assert.equal(decodeSafetensors(double, { requireFinite: false }).tensors.d.data[1], Infinity);
  });

  it('refuses I64 values outside the int32 range', () => {
    for (const value of [2147483648n, -2147483649n, 1n << 40n, -(1n << 62n)]) {
      const file = buildFile('{"l":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}', i64le([5n, value]));
      assertFormatError(decode(file), `${src}: tensor 'l' has an I64 value ${value} at index 1 that does not fit in int32`);
    }
  });

  it('keeps a tensor named __proto__ as an ordinary entry', () => {
    const file = buildFile('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array([7]));
    const { tensors } = decodeSafetensors(file);
    assert.deepEqual(Object.keys(tensors), ['__proto__']);
    assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(tensors, '__proto__')?.value.data, new Uint8Array([7]));
  });
});

describe('safetensors files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-test-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writeFileAtomic creates and then replaces a file, leaving no temp file behind', async () => {
    const target = path.join(dir, 'model.safetensors');
    await writeFileAtomic(target, ascii('first version'));
    assert.equal(fs.readFileSync(target, 'utf8'), 'first version');
    await writeFileAtomic(target, ascii('second'));
    assert.equal(fs.readFileSync(target, 'utf8'), 'second');
    await writeFileAtomic(target, new Uint8Array(0));
    assert.equal(fs.readFileSync(target).length, 0);
    assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  });

  it('writeFileAtomic rejects when the target directory is gone', async () => {
    const missingDir = path.join(dir, 'removed');
    fs.mkdirSync(missingDir);
    fs.rmdirSync(missingDir);
    await assert.rejects(writeFileAtomic(path.join(missingDir, 'model.safetensors'), ascii('x')), { code: 'ENOENT' });
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('writeFileAtomic keeps the old file and removes its temp file when the data throws', async () => {
    const target = path.join(dir, 'model.safetensors');
    fs.writeFileSync(target, 'old contents');
    const throwing = new Proxy(ascii('new contents'), {
      get() {
        throw new Error('data exploded');
      },
    });
    await assert.rejects(writeFileAtomic(target, throwing));
    await assert.rejects(writeFileAtomic(target, 'text' as unknown as Uint8Array), TypeError);
    assert.equal(fs.readFileSync(target, 'utf8'), 'old contents');
    assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  });

  it('writeFileAtomic removes its temp file when the rename fails', async () => {
    const target = path.join(dir, 'occupied');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'keep me');
    await assert.rejects(writeFileAtomic(target, ascii('x')));
    assert.deepEqual(fs.readdirSync(dir), ['occupied']);
    assert.equal(fs.readFileSync(path.join(target, 'inside'), 'utf8'), 'keep me');
  });

  it('readSafetensorsFile reads what was written and names the file in errors', async () => {
    const target = path.join(dir, 'model.safetensors');
    const bytes = encodeSafetensors(sampleTensors(), { format: 'char-rnn' });
    await writeFileAtomic(target, bytes);
    const loaded = await readSafetensorsFile(target);
    assert.deepEqual(loaded, decodeSafetensors(bytes));

    fs.writeFileSync(target, bytes.subarray(0, 5));
    await assert.rejects(readSafetensorsFile(target), {
      name: 'CheckpointFormatError',
      message: `${target}: truncated: 5 bytes, too short for a safetensors header`,
    });
  });

  it('readSafetensorsFile explains a missing file or a directory', async () => {
    const missing = path.join(dir, 'nope.safetensors');
    await assert.rejects(readSafetensorsFile(missing), (err: unknown) => {
      assert.ok(err instanceof CheckpointFormatError);
      assert.equal(err.message, `${missing}: cannot read the checkpoint: no such file (ENOENT)`);
      assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
    await assert.rejects(readSafetensorsFile(dir), {
      name: 'CheckpointFormatError',
      message: `${dir}: cannot read the checkpoint: it is a directory, not a file (EISDIR)`,
    });
  });
});

/** The safetensors codec (safetensors/encode.ts, decode.ts): CRC-32, round trips, and files written by other tools. */
import assert from 'node:assert/strict';
import { crc32 } from '../../../src/core/common/crc32';
import { decodeSafetensors } from '../../../src/core/checkpoint/safetensors/decode';
import { encodeSafetensors, type TensorIn } from '../../../src/core/checkpoint/safetensors/encode';
import { ascii, buildFile, f32FromBits, f32le, f64le, i64le, leBytes, rawBytes, sampleTensors, splitFile, u16le } from '../../helpers/safetensors';

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

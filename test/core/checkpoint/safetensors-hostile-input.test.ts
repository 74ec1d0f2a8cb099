/** Hostile input to the safetensors decoder (safetensors/decode.ts): every defect refused with a specific message. */
import assert from 'node:assert/strict';
import { crc32 } from '../../../src/core/common/crc32';
import { CheckpointFormatError } from '../../../src/core/checkpoint/safetensors/format';
import { decodeSafetensors } from '../../../src/core/checkpoint/safetensors/decode';
import { encodeSafetensors } from '../../../src/core/checkpoint/safetensors/encode';
import { ascii, assertFormatError, buildFile, f64le, flipBit, i64le, sampleTensors, splitFile, u16le } from '../../helpers/safetensors';

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

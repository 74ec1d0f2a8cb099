/**
 * Issue 12's fuzz test: a few thousand mutated checkpoints (bit flips anywhere, truncations, header
 * lengths, metadata values of every JSON type, tensor entries), each either refused with a one-line
 * CheckpointFormatError (the CLI's exit 2) or loaded as a model equal to the original. Nothing else may
 * be thrown, nothing may allocate much more than the file holds, and no case may take long (measured;
 * only a very generous bound is asserted: CI machines are busy).
 */
import assert from 'node:assert/strict';
import { CheckpointFormatError, decodeCheckpoint, type LoadedCheckpoint } from '../../../src/core/checkpoint/checkpoint';
import { Rng } from '../../../src/core/model/rng';
import { countingKernels, format1Checkpoint, reencode, smallCheckpoint, splitFile } from '../../helpers/checkpoint';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';

/** What one decode did. */
type Outcome = { refused: string } | { loaded: LoadedCheckpoint };

/** A generous bound for one decode of a ~15 KB file (they take about a millisecond). */
const CASE_BOUND_MS = 10_000;

describe('checkpoint fuzz (issue 12)', function () {
  this.timeout(120_000);
  let original: Uint8Array;
  let reference: LoadedCheckpoint;
  let slowestMs = 0;
  let cases = 0;

  before(() => {
    original = smallCheckpoint();
    reference = decodeCheckpoint(original, 'checkpoint', defaultKernels());
  });
  after(() => {
    if (cases > 0) console.log(`      ${cases} mutated checkpoints decoded, slowest ${slowestMs.toFixed(1)} ms`);
  });

  /** Decodes `bytes`, asserting the contract; returns what happened. */
  function decode(bytes: Uint8Array, what: string): Outcome {
    const kernels = countingKernels();
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = { loaded: decodeCheckpoint(bytes, 'fuzz.safetensors', kernels) };
    } catch (err) {
      assert.ok(err instanceof CheckpointFormatError, `${what}: threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      assert.ok(!/[\n\r\u2028\u2029]/.test(err.message), `${what}: a message of several lines: ${err.message}`);
      assert.ok(err.message.startsWith('fuzz.safetensors: '), `${what}: ${err.message}`);
      assert.ok(err.message.length < 400, `${what}: a message of ${err.message.length} characters`);
      outcome = { refused: err.message };
    }
    const ms = performance.now() - started;
    cases++;
    slowestMs = Math.max(slowestMs, ms);
    assert.ok(ms < CASE_BOUND_MS, `${what}: ${ms.toFixed(0)} ms`);
    assert.ok(kernels.allocated <= bytes.length + 4096, `${what}: allocated ${kernels.allocated} bytes for a file of ${bytes.length}`);
    return outcome;
  }

  /** Raw damage to the bytes: refused, or the very model of the original. */
  function assertRefusedOrEqual(bytes: Uint8Array, what: string): void {
    const outcome = decode(bytes, what);
    if ('refused' in outcome) return;
    const { model } = outcome.loaded;
    assert.deepEqual(model.config, reference.model.config, what);
    assert.ok(model.vocab.sameAs(reference.model.vocab), `${what}: another vocabulary`);
    assert.ok(Buffer.from(model.params.buffer, model.params.byteOffset, model.params.byteLength).equals(Buffer.from(reference.model.params.buffer, reference.model.params.byteOffset, reference.model.params.byteLength)), `${what}: other parameters`);
    assert.deepEqual(model.direct?.config, reference.model.direct?.config, what);
    assert.deepEqual(model.direct?.table, reference.model.direct?.table, what);
  }

  it('single and multiple bit flips anywhere in the file are all refused (format 2)', () => {
    const rng = new Rng(12);
    for (let i = 0; i < 1200; i++) {
      const bytes = Uint8Array.from(original);
      const flips = i < 900 ? 1 : 1 + Math.floor(rng.next() * 8);
      for (let f = 0; f < flips; f++) bytes[Math.floor(rng.next() * bytes.length)] ^= 1 << Math.floor(rng.next() * 8);
      const outcome = decode(bytes, `flip ${i}`);
      assert.ok('refused' in outcome || Buffer.from(bytes).equals(Buffer.from(original)), `flip ${i}: a damaged file loaded`);
    }
  });

  it('bit flips in a format-1 checkpoint: refused, or (header flips it cannot see) no other error', () => {
    const old = format1Checkpoint();
    const rng = new Rng(13);
    const { dataStart } = splitFile(old);
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from(old);
      const at = Math.floor(rng.next() * bytes.length);
      bytes[at] ^= 1 << Math.floor(rng.next() * 8);
      const outcome = decode(bytes, `format-1 flip ${i} at ${at}`);
      if (at >= dataStart) assert.ok('refused' in outcome, `format-1 flip ${i} in the data region loaded`);
    }
  });

  it('truncations and extensions', () => {
    const rng = new Rng(14);
    const { dataStart } = splitFile(original);
    const lengths = [0, 1, 7, 8, 9, dataStart - 1, dataStart, dataStart + 1, original.length - 1];
    for (let i = 0; i < 300; i++) lengths.push(Math.floor(rng.next() * original.length));
    for (const length of lengths) assert.ok('refused' in decode(original.subarray(0, length), `truncated to ${length}`));
    for (const extra of [1, 3, 8, 4096]) {
      const longer = new Uint8Array(original.length + extra);
      longer.set(original);
      assert.ok('refused' in decode(longer, `${extra} bytes appended`));
    }
  });

  it('header lengths: every small change, powers of two, the extremes', () => {
    const { dataStart } = splitFile(original);
    const declared = BigInt(dataStart - 8);
    const values: bigint[] = [0n, 1n, 2n, 8n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, BigInt(original.length), BigInt(original.length - 8)];
    for (let d = -40n; d <= 40n; d++) if (d !== 0n && declared + d >= 0n) values.push(declared + d);
    for (let b = 0n; b < 64n; b++) values.push(2n ** b, declared ^ (1n << b));
    for (const value of values) {
      const bytes = Uint8Array.from(original);
      new DataView(bytes.buffer).setBigUint64(0, value, true);
      assertRefusedOrEqual(bytes, `header length ${value}`);
    }
  });

  it('metadata values of every JSON type, at the top and in each field (with valid checksums)', () => {
    const { header } = splitFile(original);
    const metadata = header.__metadata__ as Record<string, string>;
    const values: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 31, 2 ** 53, 1e12, 1039431328, '', 'x', '256', '-1', [], [null], [1, 2, 3, 4], {}, { a: 1 }];
    const texts = ['', ' ', 'not json', '{', '"', 'NaN', 'Infinity', '1e999', '-0', '0x10', '1.0', '\u2028', ...values.map((v) => JSON.stringify(v))];
    let loaded = 0;
    for (const key of Object.keys(metadata)) {
      if (key === 'crc32' || key === 'header_crc32') continue;
      const variants: string[] = [...texts];
      let parsed: unknown;
      try {
        parsed = JSON.parse(metadata[key]);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed === 'object' && parsed !== null) {
        const container = parsed as Record<string, unknown>;
        const fields = Array.isArray(container) ? [0, 1, container.length] : Object.keys(container);
        for (const field of fields) {
          for (const value of values) {
            const copy = structuredClone(container);
            (copy as Record<string, unknown>)[String(field)] = value;
            variants.push(JSON.stringify(copy));
          }
          const without = structuredClone(container);
          delete (without as Record<string, unknown>)[String(field)];
          variants.push(JSON.stringify(without));
        }
        // one level deeper: history points, the schedule's best
        for (const field of fields) {
          const inner = container[String(field) as keyof typeof container] as unknown;
          if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) continue;
          for (const innerField of Object.keys(inner)) {
            for (const value of values) {
              const copy = structuredClone(container) as Record<string, Record<string, unknown>>;
              copy[String(field)][innerField] = value;
              variants.push(JSON.stringify(copy));
            }
          }
        }
      }
      variants.push('__delete__');
      for (const variant of variants) {
        const bytes = reencode(original, (_t, m) => {
          if (variant === '__delete__') delete m[key];
          else m[key] = variant;
        });
        if ('loaded' in decode(bytes, `metadata ${key} = ${variant.slice(0, 80)}`)) loaded++;
      }
    }
    assert.ok(loaded > 0, 'some harmless values load');
  });

  it('tensor entries: shapes, dtypes and missing tensors (with valid checksums)', () => {
    const names = Object.keys(splitFile(original).header).filter((n) => n !== '__metadata__');
    const shapes = [[], [0], [1], [2 ** 20, 2 ** 20], [16, 16, 1]];
    for (const name of names) {
      decode(reencode(original, (t) => { delete t[name]; }), `without ${name}`);
      for (const shape of shapes) {
        const count = shape.reduce((a, b) => a * b, 1);
        if (count > 1 << 16) continue;
        decode(reencode(original, (t) => { t[name] = { dtype: 'F32', shape, data: new Float32Array(count) }; }), `${name} of shape [${shape.join(', ')}]`);
      }
      decode(reencode(original, (t) => { t[name] = { dtype: 'I32', shape: t[name].shape, data: new Int32Array(t[name].data.length) }; }), `${name} as I32`);
      decode(reencode(original, (t) => { t[name] = { dtype: 'U8', shape: t[name].shape, data: new Uint8Array(t[name].data.length) }; }), `${name} as U8`);
    }
  });
});

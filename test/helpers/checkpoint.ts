/** Shared by the checkpoint hardening and fuzz tests: a small checkpoint, re-encoding, kernels that count. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointFormatError, encodeCheckpoint } from '../../src/core/checkpoint/checkpoint';
import { encodeFiles } from '../../src/core/model/encoded-text';
import { fastKernels, type Kernels } from '../../src/core/kernels/kernels';
import { decodeSafetensors } from '../../src/core/checkpoint/safetensors/decode';
import { encodeSafetensors, type TensorIn } from '../../src/core/checkpoint/safetensors/encode';
import { Trainer } from '../../src/core/train/trainer';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/core/checkpoint/training-state';
import { Vocab } from '../../src/core/model/vocab';
import { repoRoot } from './repo';

/** '─' (U+2500) is one bit away from '━' (U+2501) in UTF-8: E2 94 80 / E2 94 81. */
export const SYMBOLS = ['', '\n', ' ', 'a', 'b', 'c', '(', ')', '─', '😀'];

/** A checkpoint of a trained model with direct connections and the whole training state (about 15 KB). */
export function smallCheckpoint(): Uint8Array {
  const v = new Vocab(SYMBOLS);
  const files = [{ relPath: 'a.txt', text: 'ab (c)\n─ 😀 ba\n'.repeat(6) }];
  const val = [{ relPath: 'v.txt', text: 'ca (b) ─\n'.repeat(3) }];
  const settings = { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, layers: 1, seqLength: 8, batchSize: 2, directOrders: 2, directMB: 1, valEverySteps: 2, valMaxChars: 100, seed: 3 };
  const t = Trainer.create(v, encodeFiles(v, files), encodeFiles(v, val), settings, fastKernels);
  for (let i = 0; i < 4; i++) {
    t.trainStep();
    if (t.step % 2 === 0) t.validate();
  }
  return encodeCheckpoint(t.model, t.snapshot());
}

/** Decodes checkpoint bytes as plain safetensors, lets `mutate` edit them, and encodes them again (fresh checksums). */
export function reencode(bytes: Uint8Array, mutate: (tensors: Record<string, TensorIn>, metadata: Record<string, string>) => void): Uint8Array {
  const decoded = decodeSafetensors(bytes);
  const tensors: Record<string, TensorIn> = {};
  for (const [name, t] of Object.entries(decoded.tensors)) tensors[name] = { dtype: t.dtype as TensorIn['dtype'], shape: t.shape, data: t.data };
  const metadata = { ...decoded.metadata };
  delete metadata.crc32;
  mutate(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

/** The file's header as JSON and its data region. */
export function splitFile(file: Uint8Array): { header: Record<string, Record<string, unknown>>; headerText: string; dataStart: number; data: Uint8Array } {
  const length = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const headerText = new TextDecoder().decode(file.subarray(8, 8 + length));
  return { header: JSON.parse(headerText) as Record<string, Record<string, unknown>>, headerText, dataStart: 8 + length, data: file.subarray(8 + length) };
}

/** A safetensors file from a header object and a data region, as another writer (PyTorch) would make it: no checksums added. */
export function buildFile(header: unknown, data: Uint8Array): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  json = padded;
  const file = new Uint8Array(8 + json.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
  file.set(json, 8);
  file.set(data, 8 + json.length);
  return file;
}

/** The JavaScript kernels, counting the bytes they allocate. */
export function countingKernels(): Kernels & { allocated: number } {
  const counting = {
    ...fastKernels,
    allocated: 0,
    allocF32(n: number) {
      counting.allocated += 4 * n;
      return new Float32Array(n);
    },
    allocI32(n: number) {
      counting.allocated += 4 * n;
      return new Int32Array(n);
    },
    allocU8(n: number) {
      counting.allocated += n;
      return new Uint8Array(n);
    },
  };
  return counting;
}

/** A checkpoint this project wrote before the header checksum (format 1, data checksum only). */
export function format1Checkpoint(): Uint8Array {
  return fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'format1-checkpoint.safetensors'));
}

/**
 * Runs `fn` and asserts it throws a one-line CheckpointFormatError whose message matches every pattern;
 * returns the error.
 */
export function assertRefused(fn: () => unknown, ...patterns: RegExp[]): CheckpointFormatError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, 'expected the checkpoint to be refused, but it loaded');
  assert.ok(caught instanceof CheckpointFormatError, `expected a CheckpointFormatError, got ${String(caught)}`);
  assert.ok(!caught.message.includes('\n'), `not one line: ${caught.message}`);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

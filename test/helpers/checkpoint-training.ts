/**
 * Shared by the checkpoint round-trip, resume, PyTorch and refusal tests: a small training run (its
 * vocabulary, files and settings) to checkpoint, and the bit-exact comparison of float arrays.
 */
import assert from 'node:assert/strict';
import { encodeFiles } from '../../src/core/model/encoded-text';
import { Trainer } from '../../src/core/train/trainer';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../src/core/checkpoint/training-state';
import { Vocab } from '../../src/core/model/vocab';
import { defaultKernels } from '../../src/core/kernels/default-kernels';
import { bytesOf } from './model';

/** A small vocabulary with an astral symbol (one code point, two UTF-16 units). */
export const SYMBOLS = ['', '\n', ' ', 'a', 'b', 'c', 'd', 'e', '(', ')', '😀'];
export const vocab = () => new Vocab(SYMBOLS);

export const TRAIN_FILES = [
  { relPath: 'one.txt', text: 'abc de😀\n(ab) cd\nea 😀 bc\n'.repeat(4) },
  { relPath: 'two.txt', text: 'dd ee (a😀b)\nc\n'.repeat(5) },
];
export const VAL_FILES = [{ relPath: 'val.txt', text: 'ab cd 😀 e\n(a)\n'.repeat(3) }];

export const SETTINGS: TrainSettings = {
  ...DEFAULT_TRAIN_SETTINGS,
  hiddenSize: 16,
  layers: 2,
  seqLength: 8,
  batchSize: 3,
  historyEverySteps: 1,
  directMB: 1,
  valEverySteps: 2,
  valMaxChars: 200,
  seed: 7,
};

/** A trainer on TRAIN_FILES after `steps` steps, validated every `settings.valEverySteps`. */
export function makeTrainer(steps: number, settings: TrainSettings = SETTINGS): Trainer {
  const v = vocab();
  const trainer = Trainer.create(v, encodeFiles(v, TRAIN_FILES), encodeFiles(v, VAL_FILES), settings, defaultKernels());
  for (let i = 0; i < steps; i++) {
    trainer.trainStep();
    if (trainer.step % settings.valEverySteps === 0) trainer.validate();
  }
  return trainer;
}

/** Asserts `actual` is a Float32Array with exactly the bytes of `expected` ("bit-exact"). */
export function assertSameFloats(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.ok(actual instanceof Float32Array, `${what} is a Float32Array`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(bytesOf(actual).equals(bytesOf(expected)), `${what}: bytes differ`);
}

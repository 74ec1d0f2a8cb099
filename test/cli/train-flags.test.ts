/**
 * The bounds of `char-rnn train`'s flags (src/cli/train.ts, TRAIN_FLAG_BOUNDS) against the core's: the
 * model's shape, the direct connections and the held-out fraction take the core's exported limits, and
 * each flag of a trainer setting has validateTrainSettings' bounds, so that a value the CLI lets through
 * is one the trainer takes, and one the trainer refuses is a usage error that names the flag.
 */
import assert from 'node:assert/strict';
import { MAX_VAL_FRACTION } from '../../src/core/corpus/corpus';
import { DIRECT_LIMITS } from '../../src/core/model/direct-connections';
import { MODEL_LIMITS } from '../../src/core/model/model';
import { DEFAULT_TRAIN_SETTINGS, TrainSettings, validateTrainSettings } from '../../src/core/checkpoint/training-state';
import { TRAIN_FLAG_BOUNDS } from '../../src/cli/train';

type Flag = keyof typeof TRAIN_FLAG_BOUNDS;
type Bounds = { min?: number; max?: number; integer?: boolean };

/**
 * The trainer setting of each flag, and the ends of its range that are the trainer's own ('min', 'max'):
 * an end not listed is narrower than the trainer's (the trainer takes any learning rate above 0).
 */
const TRAINER_SETTINGS: [Flag, keyof TrainSettings, ('min' | 'max')[]][] = [
  ['hidden', 'hiddenSize', ['min', 'max']],
  ['layers', 'layers', ['min', 'max']],
  ['seq', 'seqLength', ['min', 'max']],
  ['batch', 'batchSize', ['min', 'max']],
  ['lr', 'learningRate', ['max']],
  ['clip', 'clip', []],
  ['seed', 'seed', ['min', 'max']],
  ['threads', 'threads', ['min', 'max']],
  ['direct-orders', 'directOrders', ['min', 'max']],
  ['direct-mb', 'directMB', ['min', 'max']],
  ['direct-lr', 'directLearningRate', ['max']],
  ['direct-decay', 'directDecay', ['min', 'max']],
  ['patience', 'patience', ['min', 'max']],
  ['segment-chars', 'segmentChars', ['min', 'max']],
];

const validate = (field: keyof TrainSettings, value: number) => () => validateTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, [field]: value });

describe('char-rnn train\'s flag bounds', () => {
  it('the model\'s shape, the direct connections and the held-out fraction take the core\'s limits', () => {
    const range = (flag: Flag) => {
      const bounds: Bounds = TRAIN_FLAG_BOUNDS[flag];
      return { min: bounds.min, max: bounds.max };
    };
    assert.deepEqual(range('hidden'), MODEL_LIMITS.hiddenSize);
    assert.deepEqual(range('layers'), MODEL_LIMITS.layers);
    assert.deepEqual(range('vocab-size'), MODEL_LIMITS.vocabSize);
    assert.deepEqual(range('direct-orders'), { min: 0, max: DIRECT_LIMITS.orders.max }, '0: no direct connections');
    assert.deepEqual(range('direct-mb'), DIRECT_LIMITS.megabytes);
    assert.deepEqual(range('val-fraction'), { min: 0, max: MAX_VAL_FRACTION });
  });

  it('the trainer takes each flag\'s value at its bounds, and refuses one past the ends that are its own', () => {
    for (const [flag, field, own] of TRAINER_SETTINGS) {
      const bounds: Bounds = TRAIN_FLAG_BOUNDS[flag];
      for (const end of ['min', 'max'] as const) {
        const value = bounds[end];
        if (value === undefined) continue;
        assert.doesNotThrow(validate(field, value), `--${flag} ${value}`);
        if (!own.includes(end)) continue;
        const step = bounds.integer ? 1 : Math.max(Math.abs(value) * 1e-6, 1e-9);
        const past = end === 'min' ? value - step : value + step;
        assert.throws(validate(field, past), `--${flag} ${past} is refused by the trainer, so ${value} is its ${end === 'min' ? 'minimum' : 'maximum'}`);
      }
    }
  });
});

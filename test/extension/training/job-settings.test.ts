/**
 * Which editor settings a training job takes (src/extension/training/job-settings.ts): a new model takes
 * the model settings as they are when the command runs; Resume Training and training on save continue
 * the stored model's shape, so a changed `charRnn.model.hiddenSize` (kept model) never breaks them.
 */
import assert from 'node:assert/strict';
import { jobTrainSettings } from '../../../src/extension/training/job-settings';
import type { Settings } from '../../../src/extension/settings';

const settings = {
  model: { hiddenSize: 32, layers: 2, directOrders: 4, directMB: 8 },
  training: { seqLength: 16, batchSize: 8, optimizer: 'adagrad', learningRate: 0.1, threads: 1, timeBudgetMinutes: 0.1 },
  completion: {},
} as unknown as Settings;

describe('the settings a training job takes', () => {
  it('a new model: the model settings and the run settings, as they are now', () => {
    assert.deepEqual(jobTrainSettings('new', settings), { hiddenSize: 32, layers: 2, directOrders: 4, directMB: 8, seqLength: 16, batchSize: 8, optimizer: 'adagrad', learningRate: 0.1, threads: 1 });
  });

  it('a resumed run and a fine-tuning: the run settings only, the model keeps its own shape', () => {
    for (const kind of ['resume', 'fineTune'] as const) {
      const s = jobTrainSettings(kind, settings);
      assert.deepEqual(s, { seqLength: 16, batchSize: 8, optimizer: 'adagrad', learningRate: 0.1, threads: 1 }, kind);
      for (const shape of ['hiddenSize', 'layers', 'directOrders', 'directMB'] as const) assert.equal(shape in s, false, `${kind} sets ${shape}`);
    }
  });
});

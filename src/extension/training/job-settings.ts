/**
 * A job's trainer settings, from the editor's settings as they are when the command runs. The model's
 * shape (`charRnn.model.*`) belongs to a new model only: Resume Training and training on save continue
 * the stored model as it is, whatever those settings say now (changing them asks before resetting the
 * model, and after "Keep Current Model" resuming must still work, not fail on a hidden size it never had).
 */
import type { TrainSettings } from '../../core/train/trainer';
import type { Settings } from '../settings';
import type { TrainJobRequest } from './trainer-process-protocol';

export function jobTrainSettings(kind: TrainJobRequest['kind'], settings: Settings): Partial<TrainSettings> {
  const t = settings.training;
  const run = { seqLength: t.seqLength, batchSize: t.batchSize, optimizer: t.optimizer, learningRate: t.learningRate, threads: t.threads };
  if (kind !== 'new') return run;
  const m = settings.model;
  return { hiddenSize: m.hiddenSize, layers: m.layers, directOrders: m.directOrders, directMB: m.directMB, ...run };
}

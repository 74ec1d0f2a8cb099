import type { TrainSettings } from '../../core/checkpoint/training-state';
import type { Settings } from '../settings';
import type { TrainJobRequest } from './trainer-process-protocol';

export function jobTrainSettings(kind: TrainJobRequest['kind'], settings: Settings): Partial<TrainSettings> {
  const t = settings.training;
  const run = { seqLength: t.seqLength, batchSize: t.batchSize, optimizer: t.optimizer, learningRate: t.learningRate, threads: t.threads };
  if (kind !== 'new') return run;
  const m = settings.model;
  return { hiddenSize: m.hiddenSize, layers: m.layers, directOrders: m.directOrders, directMB: m.directMB, ...run };
}

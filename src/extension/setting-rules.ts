/**
 * The numeric settings' rules (`charRnn.*`): default, bounds, whole or not; the one table the settings
 * are checked against when read (settings.ts). The model's bounds are the core's own limits
 * (MODEL_LIMITS, DIRECT_LIMITS); the others are the editor's. No `vscode` import: the unit tests check
 * `package.json`'s `contributes.configuration` against this table (test/extension/setting-rules.test.ts),
 * since that file must hold the same numbers as literals.
 */
import { DEFAULT_COMPLETION_SETTINGS } from '../core/infer/completion-rules';
import { DIRECT_LIMITS } from '../core/model/direct-connections';
import { MODEL_LIMITS } from '../core/model/model';

export type NumberRule = { default: number; min: number; max: number; integer?: boolean };

export const NUMBER_RULES = {
  'model.hiddenSize': { default: 256, min: MODEL_LIMITS.hiddenSize.min, max: MODEL_LIMITS.hiddenSize.max, integer: true },
  'model.layers': { default: 1, min: MODEL_LIMITS.layers.min, max: MODEL_LIMITS.layers.max, integer: true },
  'model.directOrders': { default: 8, min: DIRECT_LIMITS.orders.min, max: DIRECT_LIMITS.orders.max, integer: true },
  'model.directConnectionsMB': { default: 32, min: DIRECT_LIMITS.megabytes.min, max: DIRECT_LIMITS.megabytes.max },
  'training.seqLength': { default: 64, min: 8, max: 1024, integer: true },
  'training.batchSize': { default: 32, min: 1, max: 256, integer: true },
  'training.learningRate': { default: 0.005, min: 0.00001, max: 1 },
  'training.timeBudgetMinutes': { default: 10, min: 0.1, max: 1440 },
  'training.maxFileSizeKB': { default: 1024, min: 1, max: 102400, integer: true },
  'training.maxCorpusMB': { default: 50, min: 1, max: 2048 },
  'training.checkpointSeconds': { default: 60, min: 5, max: 3600, integer: true },
  'training.threads': { default: 0, min: 0, max: 64, integer: true },
  'completion.maxChars': { default: DEFAULT_COMPLETION_SETTINGS.maxChars, min: 2, max: 200, integer: true },
  'completion.minConfidence': { default: DEFAULT_COMPLETION_SETTINGS.minConfidence, min: 0, max: 1 },
  'completion.alternatives': { default: 3, min: 1, max: 10, integer: true },
  'completion.temperature': { default: DEFAULT_COMPLETION_SETTINGS.temperature, min: 0, max: 2 },
  'completion.topK': { default: DEFAULT_COMPLETION_SETTINGS.topK, min: 0, max: 1000, integer: true },
  'completion.topP': { default: DEFAULT_COMPLETION_SETTINGS.topP, min: 0.01, max: 1 },
  'completion.multiline': { default: DEFAULT_COMPLETION_SETTINGS.maxLines, min: 1, max: 10, integer: true },
  'completion.debounceMs': { default: 0, min: 0, max: 2000, integer: true },
  'completion.adaptMB': { default: 32, min: 1, max: 512 },
  'completion.cacheMB': { default: 32, min: 1, max: 512 },
} satisfies Record<string, NumberRule>;

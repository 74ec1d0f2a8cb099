/**
 * The extension's settings (`charRnn.*`), typed and validated when read: a value out of its bounds or
 * of the wrong type falls back to its default (eslint's `sanitize`), so nothing downstream sees a bad
 * value. `package.json`'s `contributes.configuration` declares the same keys, defaults and bounds.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { OptimizerName } from '../core/optimizer';

export interface Settings {
  model: { hiddenSize: number; layers: number };
  training: {
    seqLength: number;
    batchSize: number;
    optimizer: OptimizerName;
    learningRate: number;
    timeBudgetMinutes: number;
    include: string[];
    exclude: string[];
    maxFileSizeKB: number;
    maxCorpusMB: number;
    trainOnSave: boolean;
    checkpointSeconds: number;
    /** 0 in the settings: every core but one */
    threads: number;
  };
}

type NumberRule = { default: number; min: number; max: number; integer?: boolean };

export const NUMBER_RULES = {
  'model.hiddenSize': { default: 256, min: 16, max: 1024, integer: true },
  'model.layers': { default: 1, min: 1, max: 4, integer: true },
  'training.seqLength': { default: 64, min: 8, max: 1024, integer: true },
  'training.batchSize': { default: 32, min: 1, max: 256, integer: true },
  'training.learningRate': { default: 0.005, min: 0.00001, max: 1 },
  'training.timeBudgetMinutes': { default: 10, min: 0.1, max: 1440 },
  'training.maxFileSizeKB': { default: 1024, min: 1, max: 102400, integer: true },
  'training.maxCorpusMB': { default: 50, min: 1, max: 2048 },
  'training.checkpointSeconds': { default: 60, min: 5, max: 3600, integer: true },
  'training.threads': { default: 0, min: 0, max: 64, integer: true },
} satisfies Record<string, NumberRule>;

export function readSettings(config: vscode.WorkspaceConfiguration = vscode.workspace.getConfiguration('charRnn')): Settings {
  const number = (key: keyof typeof NUMBER_RULES): number => {
    const rule: NumberRule = NUMBER_RULES[key];
    const v = config.get<unknown>(key);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < rule.min || v > rule.max || (rule.integer && !Number.isInteger(v))) return rule.default;
    return v;
  };
  const globs = (key: string): string[] => {
    const v = config.get<unknown>(key);
    return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string' && g.trim() !== '') : [];
  };
  const optimizer = config.get<unknown>('training.optimizer');
  const threads = number('training.threads');
  return {
    model: { hiddenSize: number('model.hiddenSize'), layers: number('model.layers') },
    training: {
      seqLength: number('training.seqLength'),
      batchSize: number('training.batchSize'),
      optimizer: optimizer === 'adagrad' ? 'adagrad' : 'adam',
      learningRate: number('training.learningRate'),
      timeBudgetMinutes: number('training.timeBudgetMinutes'),
      include: globs('training.include'),
      exclude: globs('training.exclude'),
      maxFileSizeKB: number('training.maxFileSizeKB'),
      maxCorpusMB: number('training.maxCorpusMB'),
      trainOnSave: config.get<unknown>('training.trainOnSave') === true,
      checkpointSeconds: number('training.checkpointSeconds'),
      threads: threads > 0 ? threads : Math.max(1, os.availableParallelism() - 1),
    },
  };
}

/**
 * The globs VS Code itself hides from a folder's file tree and search: `files.exclude` and
 * `search.exclude` entries set to true (conditional `when` entries are left alone).
 */
export function editorExcludes(folder: vscode.WorkspaceFolder | undefined): string[] {
  const globs: string[] = [];
  for (const section of ['files', 'search']) {
    const map = vscode.workspace.getConfiguration(section, folder?.uri).get<Record<string, unknown>>('exclude') ?? {};
    for (const [glob, on] of Object.entries(map)) if (on === true) globs.push(glob);
  }
  return [...new Set(globs)];
}

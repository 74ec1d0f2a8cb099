/**
 * The extension's settings (`charRnn.*`), typed and validated when read: a value out of its bounds or
 * of the wrong type falls back to its default (eslint's `sanitize`), so nothing downstream sees a bad
 * value. `package.json`'s `contributes.configuration` declares the same keys, defaults and bounds, and
 * each setting's scope (the completion settings a suggestion is made with are language-overridable).
 */
import * as vscode from 'vscode';
import { DEFAULT_COMPLETION_SETTINGS } from '../core/infer/completion-rules';
import type { OptimizerName } from '../core/model/optimizer';
import { defaultThreads } from '../core/train/trainer';

export interface Settings {
  model: {
    hiddenSize: number;
    layers: number;
    /** direct n-gram connections in the softmax: orders 1 .. directOrders, 0 when off */
    directOrders: number;
    /** the most megabytes of the direct-connection table */
    directMB: number;
  };
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
    /** follow links that lead outside the workspace's folders (core CorpusOptions.readOutsideRoots) */
    readOutsideWorkspace: boolean;
    checkpointSeconds: number;
    /** 0 in the settings: every core but one */
    threads: number;
  };
  completion: {
    enabled: boolean;
    disabledLanguages: string[];
    maxChars: number;
    minConfidence: number;
    alternatives: number;
    temperature: number;
    topK: number;
    topP: number;
    /** lines a suggestion may span */
    multiline: number;
    mode: 'mostLikely' | 'sample';
    debounceMs: number;
    /** dynamic evaluation: adapt the direct connections to the text read and typed in this window */
    adapt: boolean;
    /** the most megabytes of adapted rows */
    adaptMB: number;
    /** the most megabytes of the cache of the text read and typed (mixed with the model) */
    cacheMB: number;
  };
}

type NumberRule = { default: number; min: number; max: number; integer?: boolean };

export const NUMBER_RULES = {
  'model.hiddenSize': { default: 256, min: 16, max: 1024, integer: true },
  'model.layers': { default: 1, min: 1, max: 4, integer: true },
  'model.directOrders': { default: 8, min: 1, max: 8, integer: true },
  'model.directConnectionsMB': { default: 32, min: 1, max: 1024 },
  'training.seqLength': { default: 64, min: 8, max: 1024, integer: true },
  'training.batchSize': { default: 32, min: 1, max: 256, integer: true },
  'training.learningRate': { default: 0.005, min: 0.00001, max: 1 },
  'training.timeBudgetMinutes': { default: 10, min: 0.1, max: 1440 },
  'training.maxFileSizeKB': { default: 1024, min: 1, max: 102400, integer: true },
  'training.maxCorpusMB': { default: 50, min: 1, max: 2048 },
  'training.checkpointSeconds': { default: 60, min: 5, max: 3600, integer: true },
  'training.threads': { default: 0, min: 0, max: 64, integer: true },
  'completion.maxChars': { default: 40, min: 2, max: 200, integer: true },
  'completion.minConfidence': { default: DEFAULT_COMPLETION_SETTINGS.minConfidence, min: 0, max: 1 },
  'completion.alternatives': { default: 3, min: 1, max: 10, integer: true },
  'completion.temperature': { default: 0.8, min: 0, max: 2 },
  'completion.topK': { default: 0, min: 0, max: 1000, integer: true },
  'completion.topP': { default: 0.95, min: 0.01, max: 1 },
  'completion.multiline': { default: 1, min: 1, max: 10, integer: true },
  'completion.debounceMs': { default: 0, min: 0, max: 2000, integer: true },
  'completion.adaptMB': { default: 32, min: 1, max: 512 },
  'completion.cacheMB': { default: 32, min: 1, max: 512 },
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
    model: {
      hiddenSize: number('model.hiddenSize'),
      layers: number('model.layers'),
      directOrders: config.get<unknown>('model.directConnections') === false ? 0 : number('model.directOrders'),
      directMB: number('model.directConnectionsMB'),
    },
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
      readOutsideWorkspace: config.get<unknown>('training.readOutsideWorkspace') === true,
      checkpointSeconds: number('training.checkpointSeconds'),
      threads: threads > 0 ? threads : defaultThreads(),
    },
    completion: {
      enabled: config.get<unknown>('completion.enabled') !== false,
      disabledLanguages: globs('completion.disabledLanguages'),
      maxChars: number('completion.maxChars'),
      minConfidence: number('completion.minConfidence'),
      alternatives: number('completion.alternatives'),
      temperature: number('completion.temperature'),
      topK: number('completion.topK'),
      topP: number('completion.topP'),
      multiline: number('completion.multiline'),
      mode: config.get<unknown>('completion.mode') === 'sample' ? 'sample' : 'mostLikely',
      debounceMs: number('completion.debounceMs'),
      adapt: config.get<unknown>('completion.adapt') !== false,
      adaptMB: number('completion.adaptMB'),
      cacheMB: number('completion.cacheMB'),
    },
  };
}

/**
 * Where the value of a `charRnn.*` setting in effect comes from, for the output channel: the most
 * specific scope that sets it ('workspace folder', 'workspace', 'user'), or 'default'.
 */
export function settingOrigin(key: string): 'workspace folder' | 'workspace' | 'user' | 'default' {
  const i = vscode.workspace.getConfiguration('charRnn').inspect(key);
  if (i?.workspaceFolderValue !== undefined) return 'workspace folder';
  if (i?.workspaceValue !== undefined) return 'workspace';
  if (i?.globalValue !== undefined) return 'user';
  return 'default';
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

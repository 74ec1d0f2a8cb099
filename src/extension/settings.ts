/**
 * The extension's settings (`charRnn.*`), typed and validated when read: a value out of its bounds or
 * of the wrong type falls back to its default (eslint's `sanitize`), so nothing downstream sees a bad
 * value. The numeric settings' defaults and bounds are in setting-rules.ts; `package.json`'s
 * `contributes.configuration` declares the same keys, defaults and bounds (a unit test holds them
 * equal), and each setting's scope (the completion settings a suggestion is made with are
 * language-overridable). `charRnn.model.path` is read by team-model.ts, which must see the workspace's
 * trust (model-source.ts: effectiveModelPath).
 */
import * as vscode from 'vscode';
import type { OptimizerName } from '../core/model/optimizer';
import { defaultThreads } from '../core/train/trainer';
import { NUMBER_RULES, type NumberRule } from './setting-rules';

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

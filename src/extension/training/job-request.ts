/**
 * A training job's request, from the editor's settings as they are when the command runs: the trainer
 * settings (job-settings.ts), what the corpus reads (the `charRnn.training.*` globs and limits besides
 * the editor's own `files.exclude` and `search.exclude`), the time budget and the checkpoint interval.
 */
import * as vscode from 'vscode';
import { editorExcludes, Settings } from '../settings';
import { jobTrainSettings } from './job-settings';
import type { TrainJobRequest } from './trainer-process-protocol';

export type JobKind = TrainJobRequest['kind'];

/** The request of a job of this kind on `roots`, writing (and resuming from) the checkpoint at `checkpointPath`. */
export function jobRequest(kind: JobKind, roots: string[], settings: Settings, checkpointPath: string): TrainJobRequest {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const excludes = new Set<string>(settings.training.exclude);
  for (const folder of folders) for (const glob of editorExcludes(folder)) excludes.add(glob);
  const t = settings.training;
  return {
    kind,
    roots,
    out: checkpointPath,
    resume: kind === 'new' ? undefined : checkpointPath,
    settings: jobTrainSettings(kind, settings),
    corpus: {
      maxFileBytes: t.maxFileSizeKB * 1024,
      maxCorpusBytes: Math.round(t.maxCorpusMB * 1024 * 1024),
      valFraction: kind === 'fineTune' ? 0 : 0.05,
      excludeGlobs: [...excludes],
      includeGlobs: t.include,
      readOutsideRoots: t.readOutsideWorkspace,
    },
    seconds: kind === 'fineTune' ? 5 : t.timeBudgetMinutes * 60,
    checkpointEverySec: t.checkpointSeconds,
  };
}

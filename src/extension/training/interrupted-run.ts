/**
 * A training run cut short by a window reload or close (or a crash of the editor): a marker file in the
 * storage folder is written when a run starts and removed when it ends, unless the window is closing;
 * found at activation, it is reported, with Resume Training offered.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelState } from '../model-store';

const RUN_MARKER = 'training-run.json';

/** A training run that the window's reload or close ended (read from the marker at activation). */
export interface InterruptedRun {
  kind: 'new' | 'resume';
  /** when it started (ISO 8601) and its budget in seconds */
  startedAt: string;
  seconds: number;
}

/** Writes the marker of a run starting now (a marker that cannot be written is left out). */
export async function markRunStarted(folder: string, kind: InterruptedRun['kind'], seconds: number): Promise<void> {
  const run: InterruptedRun = { kind, startedAt: new Date().toISOString(), seconds };
  await fsp.writeFile(path.join(folder, RUN_MARKER), JSON.stringify(run)).catch(() => undefined);
}

/** Removes the marker: the run ended while the window stays. */
export async function markRunEnded(folder: string): Promise<void> {
  await fsp.rm(path.join(folder, RUN_MARKER), { force: true }).catch(() => undefined);
}

/** The run the last window's reload or close interrupted, if its marker is there; the marker is removed. */
export async function takeInterruptedRun(folder: string): Promise<InterruptedRun | undefined> {
  const file = path.join(folder, RUN_MARKER);
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as InterruptedRun;
  } catch {
    return undefined; // none (or unreadable: nothing to say)
  } finally {
    await fsp.rm(file, { force: true }).catch(() => undefined);
  }
}

/** Says that a run was interrupted by the last window's reload or close, and offers to resume it. */
export function reportInterruptedRun(
  run: InterruptedRun,
  state: ModelState,
  output: vscode.OutputChannel,
  actions: { resumeTraining(): Promise<void>; trainWorkspace(): Promise<void> },
): void {
  const started = new Date(run.startedAt);
  const step = state.kind === 'loaded' ? state.checkpoint.training?.step : undefined;
  const kept = step !== undefined ? `its last checkpoint (step ${step.toLocaleString()}) is kept` : 'no checkpoint was written yet';
  const when = Number.isNaN(started.getTime()) ? '' : ` at ${started.toLocaleTimeString()}`;
  const text = `The training started${when} was stopped when the window closed or reloaded; ${kept}.`;
  output.appendLine(text);
  const resumable = state.kind === 'loaded' && state.checkpoint.training !== undefined;
  void vscode.window.showWarningMessage(`Char RNN: ${text}`, ...(resumable ? ['Resume Training'] : ['Train on Workspace']), 'Show Output').then((choice) => {
    if (choice === 'Resume Training') void actions.resumeTraining();
    if (choice === 'Train on Workspace') void actions.trainWorkspace();
    if (choice === 'Show Output') output.show(true);
  });
}

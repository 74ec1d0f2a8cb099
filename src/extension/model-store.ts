/**
 * The workspace's model: one checkpoint file in the extension's storage folder (the workspace's, or
 * the global one when no folder is open), loaded on activation and again whenever training writes it,
 * so that completions work right after a restart. A corrupt or foreign file is reported, never thrown.
 * It holds the best model by validation; while a run's latest state is another, that state is in
 * `model.latest.safetensors` beside it (core/train/job.ts), which Resume Training continues from.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { decodeCheckpoint, latestPathOf, LoadedCheckpoint } from '../core/checkpoint/checkpoint';
import { fastKernels } from '../core/kernels/kernels';
import { releaseModel } from '../core/model/model';
import { readSafetensorsBytes, writeFileAtomic } from '../core/checkpoint/safetensors/file';
import { loadCheckpointInWorker } from '../core/checkpoint/worker/load-in-worker';
import { defaultKernels } from '../core/kernels/default-kernels';

const CHECKPOINT_NAME = 'model.safetensors';

export type ModelState =
  | { kind: 'none' }
  | { kind: 'loaded'; checkpoint: LoadedCheckpoint; bytes: number; savedAt: Date }
  | { kind: 'invalid'; message: string };

export class ModelStore implements vscode.Disposable {
  readonly folder: string;
  readonly checkpointPath: string;
  private current: ModelState = { kind: 'none' };
  private readonly changed = new vscode.EventEmitter<ModelState>();
  /** fires after every load, reset or import */
  readonly onDidChange = this.changed.event;
  private loading: Promise<ModelState> | undefined;

  constructor(storage: vscode.Uri) {
    this.folder = storage.fsPath;
    this.checkpointPath = path.join(this.folder, CHECKPOINT_NAME);
  }

  get state(): ModelState {
    return this.current;
  }

  /** (Re)reads the checkpoint: reads run one after another, so each call sees the file as it is when its read starts. */
  load(): Promise<ModelState> {
    const next = (this.loading ?? Promise.resolve(this.current)).then(() => this.read());
    this.loading = next;
    return next;
  }

  /** The state once the reads already asked for have ended (no new read). */
  settled(): Promise<ModelState> {
    return this.loading ?? Promise.resolve(this.current);
  }

  private async read(): Promise<ModelState> {
    let next: ModelState;
    try {
      // decoded in a worker thread: a large model (direct connections) would block the host for a while
      const loaded = await loadCheckpointInWorker(this.checkpointPath, defaultKernels());
      next = { kind: 'loaded', checkpoint: loaded, bytes: loaded.bytes, savedAt: loaded.mtime };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      next = e.code === 'ENOENT' ? { kind: 'none' } : { kind: 'invalid', message: e.message };
    }
    this.replace(next);
    return next;
  }

  private replace(next: ModelState): void {
    const previous = this.current;
    this.current = next;
    this.changed.fire(next);
    if (previous.kind === 'loaded') releaseModel(previous.checkpoint.model);
  }

  /** Deletes the checkpoint and the latest state beside it: the workspace has no model any more. */
  async reset(): Promise<void> {
    await fsp.rm(this.checkpointPath, { force: true });
    await fsp.rm(latestPathOf(this.checkpointPath), { force: true });
    this.replace({ kind: 'none' });
  }

  /** Validates a checkpoint from elsewhere, then makes it the workspace's model. */
  async importFrom(file: string): Promise<LoadedCheckpoint> {
    const bytes = await readSafetensorsBytes(file); // a regular file, no more than it holds
    // throws, with the reason, before anything is replaced (plain arrays: only a check, nothing to keep)
    decodeCheckpoint(bytes, path.basename(file), fastKernels);
    await fsp.mkdir(this.folder, { recursive: true });
    await writeFileAtomic(this.checkpointPath, bytes);
    await fsp.rm(latestPathOf(this.checkpointPath), { force: true }); // the latest state of the model replaced
    const state = await this.load();
    if (state.kind !== 'loaded') throw new Error(state.kind === 'invalid' ? state.message : 'the imported model could not be read back');
    return state.checkpoint;
  }

  /**
   * Writes the current model with its whole training state to `file`: a copy of the checkpoint file (the
   * model in memory was loaded for inference, without the optimizer's state).
   */
  async exportTo(file: string): Promise<void> {
    if (this.current.kind !== 'loaded') throw new Error('there is no model to export');
    await writeFileAtomic(file, await fsp.readFile(this.checkpointPath));
  }

  async ensureFolder(): Promise<void> {
    await fsp.mkdir(this.folder, { recursive: true });
  }

  dispose(): void {
    this.changed.dispose();
    if (this.current.kind === 'loaded') releaseModel(this.current.checkpoint.model);
    this.current = { kind: 'none' };
  }
}

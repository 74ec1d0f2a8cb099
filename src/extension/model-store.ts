/**
 * The models: the workspace's own (one checkpoint file in the extension's storage folder, the
 * workspace's or the global one when no folder is open), loaded on activation and again whenever
 * training writes it, so that completions work right after a restart; and, while `charRnn.model.path`
 * names one, a team model read from that file (team-model.ts watches the setting and the file), which
 * is then the model the editor uses. Nothing here ever writes the team model's file: training, Reset,
 * Import and Export act on the workspace's own model. A corrupt, foreign or missing file is reported as
 * the state 'invalid' with a one-line message, never thrown.
 * The own checkpoint holds the best model by validation; while a run's latest state is another, that
 * state is in `model.latest.safetensors` beside it (core/train/job.ts), which Resume Training continues from.
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
import { linkLeavesFolder, ModelSource, TeamModelFile, TeamModelSetting, teamModelError } from './model-source';

const CHECKPOINT_NAME = 'model.safetensors';

export type ModelState =
  | { kind: 'none' }
  | { kind: 'loaded'; checkpoint: LoadedCheckpoint; bytes: number; savedAt: Date }
  | { kind: 'invalid'; message: string };

/** The team model: the setting's file (or why it cannot be used) and what was read from it. */
interface TeamSlot {
  setting: TeamModelFile | { kind: 'error'; shown: string; message: string };
  state: ModelState;
}

export class ModelStore implements vscode.Disposable {
  readonly folder: string;
  /** the workspace's own checkpoint (what training writes) */
  readonly checkpointPath: string;
  private ownState: ModelState = { kind: 'none' };
  private team: TeamSlot | undefined;
  private readonly changed = new vscode.EventEmitter<ModelState>();
  /** fires, with the state of the model in use, after every load (own or team), reset, import or change of source */
  readonly onDidChange = this.changed.event;
  private loading: Promise<ModelState> | undefined;
  private teamLoading: Promise<unknown> | undefined;

  constructor(storage: vscode.Uri) {
    this.folder = storage.fsPath;
    this.checkpointPath = path.join(this.folder, CHECKPOINT_NAME);
  }

  /** The model the editor uses (completions, the panel, the status bar): the team model while one is set, else the workspace's own. */
  get state(): ModelState {
    return this.team ? this.team.state : this.ownState;
  }

  /** The workspace's own model (the checkpoint training writes), whichever model is in use. */
  get own(): ModelState {
    return this.ownState;
  }

  /** Where the model in use comes from. */
  get source(): ModelSource {
    return this.team ? { kind: 'team', shown: this.team.setting.shown } : { kind: 'workspace' };
  }

  /** The file of the model in use: the team model's, or the own checkpoint (undefined for a team setting that names no usable file). */
  get modelPath(): string | undefined {
    if (!this.team) return this.checkpointPath;
    return this.team.setting.kind === 'file' ? this.team.setting.file : undefined;
  }

  /** (Re)reads the own checkpoint: reads run one after another, so each call sees the file as it is when its read starts. */
  load(): Promise<ModelState> {
    const next = (this.loading ?? Promise.resolve(this.ownState)).then(() => this.read());
    this.loading = next;
    return next;
  }

  /** The state of the model in use once the reads already asked for (own and team) have ended (no new read). */
  async settled(): Promise<ModelState> {
    await Promise.all([this.loading, this.teamLoading]);
    return this.state;
  }

  private async read(): Promise<ModelState> {
    const next = await readModel(this.checkpointPath, (e) => e.message);
    this.setOwn(next);
    return next;
  }

  /** Makes `next` the own model's state, says so, and gives the previous model's memory back. */
  private setOwn(next: ModelState): void {
    const previous = this.ownState;
    this.ownState = next;
    this.changed.fire(this.state);
    release(previous);
  }

  /**
   * Makes the file `setting` names the model in use (read now), or, with 'unset', the workspace's own
   * again. A setting that names no usable file makes the state 'invalid' with its message: the editor
   * then has no model (never the previous one), until the setting or the file is fixed. Resolves with
   * the state of the model in use once read.
   */
  useTeamModel(setting: TeamModelSetting): Promise<ModelState> {
    const previous = this.team;
    if (previous?.setting.kind === 'file' && setting.kind === 'file' && previous.setting.file === setting.file && previous.setting.folder === setting.folder) {
      previous.setting = setting; // the same file (the setting was read again): read it again, keeping the model meanwhile
      return this.reloadTeam();
    }
    if (setting.kind === 'unset') {
      this.team = undefined;
    } else {
      const state: ModelState = setting.kind === 'error' ? { kind: 'invalid', message: setting.message } : { kind: 'none' };
      this.team = { setting, state };
    }
    if (previous || this.team) this.changed.fire(this.state);
    if (previous) release(previous.state);
    return this.team?.setting.kind === 'file' ? this.reloadTeam() : this.settled();
  }

  /** Reads the team model's file again (it changed on disk); the state of the model in use once read. */
  reloadTeam(): Promise<ModelState> {
    const slot = this.team;
    const next = Promise.resolve(this.teamLoading).then(() => (slot === this.team ? this.readTeam(slot) : undefined));
    this.teamLoading = next;
    return next.then(() => this.state);
  }

  private async readTeam(slot: TeamSlot | undefined): Promise<void> {
    if (!slot || slot.setting.kind !== 'file') return;
    const setting = slot.setting;
    const outside = await linkLeavesFolder(setting);
    const next: ModelState = outside ? { kind: 'invalid', message: outside } : await readModel(setting.file, (e) => teamModelError(setting, e), true);
    if (slot !== this.team) {
      release(next); // the setting changed while the file was read
      return;
    }
    const previous = slot.state;
    slot.state = next;
    this.changed.fire(this.state);
    release(previous);
  }

  /** Deletes the own checkpoint and the latest state beside it: the workspace has no model of its own any more (a team model is left alone). */
  async reset(): Promise<void> {
    await fsp.rm(this.checkpointPath, { force: true });
    await fsp.rm(latestPathOf(this.checkpointPath), { force: true });
    this.setOwn({ kind: 'none' });
  }

  /** Validates a checkpoint from elsewhere, then makes it the workspace's own model (never the team model's file). */
  async importFrom(file: string): Promise<LoadedCheckpoint> {
    const bytes = await readSafetensorsBytes(file); // a regular file, no more than it holds
    // throws, with the reason, before anything is replaced (plain arrays: only a check, nothing to keep)
    decodeCheckpoint(bytes, path.basename(file), fastKernels);
    await fsp.mkdir(this.folder, { recursive: true });
    await writeFileAtomic(this.checkpointPath, bytes);
    await fsp.rm(latestPathOf(this.checkpointPath), { force: true }); // the latest state of the model replaced
    const state = await this.load(); // the own model's state
    if (state.kind !== 'loaded') throw new Error(state.kind === 'invalid' ? state.message : 'the imported model could not be read back');
    return state.checkpoint;
  }

  /**
   * Writes the own model with its whole training state to `file`: a copy of the checkpoint file (the
   * model in memory was loaded for inference, without the optimizer's state).
   */
  async exportTo(file: string): Promise<void> {
    if (this.ownState.kind !== 'loaded') throw new Error('there is no model to export');
    await writeFileAtomic(file, await fsp.readFile(this.checkpointPath));
  }

  async ensureFolder(): Promise<void> {
    await fsp.mkdir(this.folder, { recursive: true });
  }

  dispose(): void {
    this.changed.dispose();
    release(this.ownState);
    this.ownState = { kind: 'none' };
    if (this.team) release(this.team.state);
    this.team = undefined;
  }
}

/**
 * Reads a checkpoint for inference (decoded in a worker thread: a large model, with direct connections,
 * would block the host for a while). A missing file is 'none' unless `missingIsInvalid`; any other
 * failure is 'invalid' with `message(err)`.
 */
async function readModel(file: string, message: (err: NodeJS.ErrnoException) => string, missingIsInvalid = false): Promise<ModelState> {
  try {
    const loaded = await loadCheckpointInWorker(file, defaultKernels());
    return { kind: 'loaded', checkpoint: loaded, bytes: loaded.bytes, savedAt: loaded.mtime };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === 'ENOENT' && !missingIsInvalid ? { kind: 'none' } : { kind: 'invalid', message: message(e) };
  }
}

function release(state: ModelState): void {
  if (state.kind === 'loaded') releaseModel(state.checkpoint.model);
}

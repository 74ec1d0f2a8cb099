/**
 * Training in the editor: the training commands' behaviour (train, resume, stop, reset), the jobs they
 * run and how each ends, the status bar's state, training on save, what happens when the model settings
 * change, and at activation, the run a window reload interrupted or the first-run offer. It owns no
 * process itself: the TrainingController runs the jobs, the ModelStore holds the model.
 */
import * as vscode from 'vscode';
import { DirectConnections } from '../../core/model/direct-connections';
import { lastValidation } from '../../core/checkpoint/training-state';
import type { ModelInfoDocument } from '../model-info-document';
import { ModelState, ModelStore } from '../model-store';
import { MODEL_PATH_SETTING } from '../model-source';
import { readSettings, settingOrigin } from '../settings';
import { StatusItem } from '../status';
import { JobOutcome, TrainingController } from './controller';
import { FirstRun, offerFirstRun } from './first-run';
import { InterruptedRun, markRunEnded, markRunStarted, reportInterruptedRun, takeInterruptedRun } from './interrupted-run';
import { JobKind, jobRequest } from './job-request';
import { doneNotice } from './notices';
import { withTrainingProgress } from './progress';
import { trainerLogLines } from './trainer-log';
import type { TrainerMessage } from './trainer-process-protocol';

/** The settings of a new model's shape (`charRnn.model.*` but the team model's path). */
const SHAPE_SETTINGS = ['model.hiddenSize', 'model.layers', 'model.directConnections', 'model.directOrders', 'model.directConnectionsMB'];

export class WorkspaceTraining implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly pendingSaves = new Set<string>();
  /** set when the window closes or reloads: the run being stopped then is interrupted, not ended */
  private closing = false;
  /** the run the last window's reload or close interrupted, found at activation */
  interrupted: InterruptedRun | undefined;
  /** what the first-run check did at activation */
  firstRun: FirstRun | undefined;

  constructor(
    private readonly store: ModelStore,
    private readonly controller: TrainingController,
    private readonly status: StatusItem,
    private readonly output: vscode.OutputChannel,
    private readonly info: ModelInfoDocument,
    private readonly workspaceState?: vscode.Memento,
  ) {
    this.disposables.push(
      store.onDidChange((state) => {
        if (!controller.isRunning) this.showModelState(state);
      }),
      controller.onMessage((m) => this.onTrainerMessage(m)),
    );
  }

  /**
   * Reads the stored model and the last corpus report; warns about an unreadable checkpoint (in the
   * output channel only while a team model is in use: the editor does not use it then).
   */
  async initialise(): Promise<void> {
    await this.info.loadCorpusReport();
    const own = await this.store.load();
    const state = await this.store.settled(); // the model in use: a team model's, when one is set
    const run = await takeInterruptedRun(this.store.folder);
    if (run) {
      this.interrupted = run;
      reportInterruptedRun(run, own, this.output, this);
    }
    if (!this.interrupted) this.firstRun = await this.checkFirstRun(state);
    if (own.kind === 'invalid') {
      this.output.appendLine(`The stored model cannot be read: ${own.message}`);
      if (this.store.source.kind === 'team') return;
      void vscode.window.showWarningMessage(`Char RNN: the stored model cannot be read (${own.message}).`, 'Reset Model', 'Show Details').then((choice) => {
        if (choice === 'Reset Model') void this.resetModel(false);
        if (choice === 'Show Details') this.output.show(true);
      });
    }
  }

  /** The window is closing or reloading: the run stopped now keeps its marker, so the next window says so. */
  windowClosing(): void {
    this.closing = true;
  }

  /** The first-run offer (first-run.ts), for a workspace with no model. */
  checkFirstRun(state: ModelState = this.store.state): Promise<FirstRun> {
    return offerFirstRun(state, this.workspaceState, () => this.trainWorkspace());
  }

  // ---- commands ----------------------------------------------------------------------------------

  /** The workspace folders to read, or undefined (and a message) when none is open. */
  private workspaceRoots(): string[] | undefined {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length > 0) return folders.map((f) => f.uri.fsPath);
    void vscode.window.showErrorMessage('Char RNN trains on the files of a workspace: open a folder first.');
    return undefined;
  }

  async trainWorkspace(): Promise<void> {
    const roots = this.workspaceRoots();
    if (!roots) return;
    if (this.controller.isRunning) {
      const choice = await vscode.window.showInformationMessage('Char RNN is already training.', 'Restart Training', 'Stop Training');
      if (choice === 'Stop Training') return this.stopTraining();
      if (choice !== 'Restart Training') return;
      await this.controller.stop();
    }
    const state = this.store.own;
    if (state.kind === 'loaded' && state.checkpoint.training) {
      const steps = state.checkpoint.training.step.toLocaleString();
      const choice = await vscode.window.showWarningMessage(
        `This workspace already has a model (${steps} training steps). Train a new one from scratch, or continue training this one?`,
        { modal: true },
        'Train New Model',
        'Resume Training',
      );
      if (choice === 'Resume Training') return this.resumeTraining();
      if (choice !== 'Train New Model') return;
    }
    this.sayTeamModelStaysInUse();
    await this.runJob('new', roots);
  }

  /**
   * Training makes (or continues) the workspace's own model, in the extension's storage: never the team
   * model's file. While a team model is in use, the editor keeps using it, and says so (not modal: the
   * user asked to train).
   */
  private sayTeamModelStaysInUse(): void {
    const source = this.store.source;
    if (source.kind !== 'team') return;
    const line = `Training this workspace's own model: completions keep using the team model ${source.shown} (${MODEL_PATH_SETTING}, read-only) while that setting is set.`;
    this.output.appendLine(line);
    void vscode.window.showInformationMessage(`Char RNN: ${line}`);
  }

  async resumeTraining(): Promise<void> {
    if (this.controller.isRunning) {
      void vscode.window.showInformationMessage('Char RNN is already training.');
      return;
    }
    const state = this.store.own;
    if (state.kind !== 'loaded' || !state.checkpoint.training) {
      const team = this.store.source.kind === 'team' ? ' (the team model is only read: training makes this workspace\'s own model)' : '';
      const choice = await vscode.window.showInformationMessage(
        state.kind === 'loaded' ? 'This model has no training state to resume (it was imported): train a new one instead.' : `There is no model of this workspace to resume yet${team}.`,
        'Train on Workspace',
      );
      if (choice) await this.trainWorkspace();
      return;
    }
    const roots = this.workspaceRoots();
    if (!roots) return;
    this.sayTeamModelStaysInUse();
    await this.runJob('resume', roots);
  }

  async stopTraining(): Promise<void> {
    if (!this.controller.isRunning) {
      void vscode.window.showInformationMessage('Char RNN is not training.');
      return;
    }
    await this.controller.stop();
  }

  async resetModel(confirm = true): Promise<void> {
    if (confirm) {
      const question = this.store.source.kind === 'team'
        ? 'Delete this workspace\'s own Char RNN model? The team model (charRnn.model.path) stays in use and its file is not touched.'
        : 'Delete this workspace\'s Char RNN model? Completions stop until a new one is trained.';
      const choice = await vscode.window.showWarningMessage(question, { modal: true }, 'Reset Model');
      if (choice !== 'Reset Model') return;
    }
    if (this.controller.isRunning) await this.controller.stop();
    await this.store.reset();
    await this.info.clear();
    this.output.appendLine('Model reset.');
  }

  // ---- events ------------------------------------------------------------------------------------

  /**
   * Training on save: a short, bounded fine-tuning on the saved file, debounced; not while a team model
   * is in use (it would fine-tune a model the editor does not use).
   */
  onDidSave(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || !vscode.workspace.getWorkspaceFolder(doc.uri)) return;
    const settings = readSettings();
    if (!settings.training.trainOnSave || this.store.source.kind === 'team') return;
    const state = this.store.own;
    if (state.kind !== 'loaded' || !state.checkpoint.training) return;
    this.pendingSaves.add(doc.uri.fsPath);
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      if (this.controller.isRunning) return; // a full training run is going on: it will see the file anyway
      // read again when the job would start: training on save turned off since the save starts nothing
      if (!readSettings().training.trainOnSave) {
        this.pendingSaves.clear();
        return;
      }
      const files = [...this.pendingSaves];
      this.pendingSaves.clear();
      void this.runJob('fineTune', files);
    }, 2000);
  }

  /** A new model shape asks before the workspace's own model is reset. */
  async onDidChangeConfiguration(e: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!SHAPE_SETTINGS.some((key) => e.affectsConfiguration(`charRnn.${key}`))) return;
    const state = this.store.own;
    if (state.kind !== 'loaded') return;
    const { hiddenSize, layers, directOrders, directMB } = readSettings().model;
    const model = state.checkpoint.model;
    const config = model.config;
    const direct = model.direct;
    const wanted = directOrders === 0 ? undefined : DirectConnections.configForBudget(directOrders, config.vocabSize, directMB);
    const sameDirect = direct === undefined ? wanted === undefined : wanted !== undefined && wanted.orders === direct.config.orders && wanted.rowsPerOrder === direct.config.rowsPerOrder;
    if (config.hiddenSize === hiddenSize && config.layers === layers && sameDirect) return;
    const describe = (h: number, l: number, d: { orders: number } | undefined) => `hidden size ${h}, ${l} layer${l > 1 ? 's' : ''}, ${d ? `direct connections of orders 1-${d.orders}` : 'no direct connections'}`;
    const choice = await vscode.window.showWarningMessage(
      `The model settings (${describe(hiddenSize, layers, wanted)}) differ from the existing model's (${describe(config.hiddenSize, config.layers, direct?.config)}). Reset the model so that the next training uses them?`,
      'Reset Model',
      'Keep Current Model',
    );
    if (choice === 'Reset Model') await this.resetModel(false);
  }

  // ---- jobs --------------------------------------------------------------------------------------

  private async runJob(kind: JobKind, roots: string[]): Promise<JobOutcome | undefined> {
    const settings = readSettings();
    const job = jobRequest(kind, roots, settings, this.store.checkpointPath);
    await this.store.ensureFolder();
    this.info.lastError = undefined;
    // the marker first: from the status bar's 'training' to the job's start nothing waits, so that the
    // state the status bar shows and the controller's job are never seen apart
    if (kind !== 'fineTune') await markRunStarted(this.store.folder, kind, job.seconds);
    const what = kind === 'fineTune' ? 'fine-tuning' : 'training';
    this.status.set({ kind: 'training', percent: 0, what });
    this.output.appendLine(`${new Date().toLocaleTimeString()} ${kind === 'new' ? 'Training a new model' : kind === 'resume' ? 'Resuming training' : 'Fine-tuning on saved files'} on ${roots.join(', ')} for ${Math.round(job.seconds)} s`);
    // the settings as read when the command ran, and where the model's size came from
    const m = settings.model;
    const t = settings.training;
    const shape = kind === 'new' ? `hidden size ${m.hiddenSize} (${settingOrigin('model.hiddenSize')} setting), ${m.layers} layer${m.layers > 1 ? 's' : ''}, ${m.directOrders > 0 ? `direct connections of orders 1-${m.directOrders}` : 'no direct connections'}; ` : '';
    this.output.appendLine(`  ${shape}${t.seqLength} characters a chunk, batch ${t.batchSize}, ${t.optimizer} at ${t.learningRate}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`);
    let outcome: JobOutcome;
    try {
      const running = this.controller.start(job);
      outcome = kind === 'fineTune' ? await running : await withTrainingProgress(this.controller, running, job);
    } catch (err) {
      outcome = { kind: 'crashed', message: (err as Error).message };
    }
    // ended, unless the window is closing: then the marker stays for the next window to report
    if (this.closing) return outcome;
    await markRunEnded(this.store.folder);
    await this.finish(kind, outcome);
    return outcome;
  }

  private onTrainerMessage(m: TrainerMessage): void {
    const kind = this.controller.currentJob?.kind;
    const what = kind === 'fineTune' ? 'fine-tuning' : 'training';
    for (const line of trainerLogLines(m)) this.output.appendLine(line);
    switch (m.type) {
      case 'corpus':
        if (kind !== 'fineTune') {
          const { type: _type, ...report } = m;
          this.info.setCorpusReport({ ...report, at: new Date().toISOString() });
        }
        break;
      case 'progress': {
        const s = this.status.current;
        this.status.set({ kind: 'training', what, percent: m.fraction * 100, bitsPerChar: s.kind === 'training' ? s.bitsPerChar : undefined, charsPerSec: m.charsPerSec });
        break;
      }
      case 'val': {
        const s = this.status.current;
        if (s.kind === 'training') this.status.set({ ...s, bitsPerChar: m.valBitsPerChar });
        break;
      }
      case 'checkpoint':
        void this.store.load(); // completions pick up the newer model
        break;
    }
  }

  private async finish(kind: JobKind, outcome: JobOutcome): Promise<void> {
    // a job that finished sent its last checkpoint before 'done', and that message started the read
    if (outcome.kind !== 'done') await this.store.load();
    const state = await this.store.settled(); // the model in use
    const own = this.store.own;
    if (outcome.kind === 'done') {
      const source = this.store.source;
      const notice = doneNotice(kind, outcome.message, source.kind === 'team' ? source.shown : undefined);
      if (notice?.severity === 'warning') void vscode.window.showWarningMessage(notice.text);
      else if (notice) void vscode.window.showInformationMessage(notice.text);
      this.showModelState(state);
      return;
    }
    this.info.lastError = outcome.message;
    this.output.appendLine(`${outcome.kind === 'crashed' ? 'Crash' : 'Error'}: ${outcome.message}`);
    if (outcome.kind === 'failed' && outcome.userError) {
      this.showModelState(state);
      void vscode.window.showErrorMessage(`Char RNN: ${outcome.message}`);
      return;
    }
    this.status.set({ kind: 'error', message: outcome.message });
    const resumable = own.kind === 'loaded' && own.checkpoint.training !== undefined;
    // not awaited: the job is over whether or not anyone answers
    void vscode.window.showErrorMessage(`Char RNN: ${outcome.message}`, ...(resumable ? ['Resume Training'] : []), 'Show Output').then((choice) => {
      if (choice === 'Resume Training') void this.resumeTraining();
      if (choice === 'Show Output') this.output.show(true);
    });
  }

  /** The status bar for the model in use (`state`), and where it comes from. */
  private showModelState(state: ModelState): void {
    const source = this.store.source;
    const team = source.kind === 'team' ? source.shown : undefined;
    if (state.kind === 'loaded') {
      const training = state.checkpoint.training;
      // the model's own validation: the best one when the run went on past it
      const bitsPerChar = training?.schedule?.best?.valBitsPerChar ?? lastValidation(training?.history ?? [])?.valBitsPerChar;
      this.status.set({ kind: 'ready', bitsPerChar, savedAt: state.savedAt, steps: training?.step ?? 0, team });
    } else if (state.kind === 'invalid') {
      this.status.set({ kind: 'error', message: team ? state.message : `the stored model cannot be read: ${state.message}`, team });
    } else if (team) {
      this.status.set({ kind: 'loading', team });
    } else {
      this.status.set({ kind: 'none' });
    }
  }

  dispose(): void {
    clearTimeout(this.saveTimer);
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * Training in the editor: the commands' behaviour (train, stop, resume, reset, info, export, import),
 * the progress notification, the status bar's state, training on save, and what happens when settings
 * change. It owns no process itself: the TrainingController runs the jobs, the ModelStore holds the
 * model.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { classifyName } from '../core/corpus/name-rules';
import { DirectConnections } from '../core/model/direct-connections';
import { FIRST_CHECKPOINT_SEC } from '../core/train/events';
import { lastValidation } from '../core/checkpoint/training-state';
import { formatModelInfo, CorpusReport } from './model-info';
import { ModelState, ModelStore } from './model-store';
import { editorExcludes, readSettings, settingOrigin, Settings } from './settings';
import { StatusItem } from './status';
import { JobOutcome, TrainingController } from './training/controller';
import { jobTrainSettings } from './training/job-settings';
import { doneNotice, DONE_VERB, keptSentence } from './training/notices';
import { TrainerMessage, TrainJobRequest } from './training/trainer-process-protocol';

export const INFO_URI = vscode.Uri.parse('char-rnn:/Char%20RNN%20Model%20Info.md');
const CORPUS_REPORT = 'corpus.json';
/**
 * Written when a training run starts and removed when it ends, unless the window is closing: found at
 * activation, it says a run was cut short by a window reload or close (or a crash of the editor).
 */
const RUN_MARKER = 'training-run.json';

/** The workspace state key of the first-run prompt: 'never' once the user asked not to be asked again. */
const FIRST_RUN_KEY = 'charRnn.firstRunPrompt';
/** Text files of at least this many bytes in all make a workspace worth offering to train on. */
export const FIRST_RUN_MIN_BYTES = 20_000;
/** The most files looked at to estimate that (the estimate stops early once it is reached). */
const FIRST_RUN_MAX_FILES = 2_000;
export const WALKTHROUGH_ID = 'char-rnn-complete.char-rnn-complete#charRnn.gettingStarted';

/** What the first-run check did at activation (for tests): prompted, or why not. */
export type FirstRun = 'prompted' | 'has model' | 'no folder' | 'not enough text' | 'dismissed';

/** A training run that the window's reload or close ended (read from RUN_MARKER at activation). */
export interface InterruptedRun {
  kind: 'new' | 'resume';
  /** when it started (ISO 8601) and its budget in seconds */
  startedAt: string;
  seconds: number;
}

type JobKind = TrainJobRequest['kind'];

export class WorkspaceTraining implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private corpus: CorpusReport | undefined;
  private lastError: string | undefined;
  private readonly infoChanged = new vscode.EventEmitter<vscode.Uri>();
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
    private readonly workspaceState?: vscode.Memento,
  ) {
    this.disposables.push(
      this.infoChanged,
      store.onDidChange((state) => {
        if (!controller.isRunning) this.showModelState(state);
        this.infoChanged.fire(INFO_URI);
      }),
      controller.onMessage((m) => this.onTrainerMessage(m)),
    );
  }

  /** More Markdown sections for the Model Info document (the completion counters, say). */
  readonly infoSections: (() => string)[] = [];

  /** The read-only "Model Info" document's content provider. */
  readonly infoProvider: vscode.TextDocumentContentProvider = {
    onDidChange: this.infoChanged.event,
    provideTextDocumentContent: () => [formatModelInfo(this.store, this.corpus, this.controller.currentJob, this.lastError), ...this.infoSections.map((f) => f())].join('\n'),
  };

  /** Reads the stored model and the last corpus report; warns about an unreadable checkpoint. */
  async initialise(): Promise<void> {
    try {
      this.corpus = JSON.parse(await fsp.readFile(path.join(this.store.folder, CORPUS_REPORT), 'utf8')) as CorpusReport;
    } catch {
      this.corpus = undefined;
    }
    const state = await this.store.load();
    await this.noticeInterruptedRun(state);
    if (!this.interrupted) this.firstRun = await this.checkFirstRun(state);
    if (state.kind === 'invalid') {
      this.output.appendLine(`The stored model cannot be read: ${state.message}`);
      void vscode.window.showWarningMessage(`Char RNN: the stored model cannot be read (${state.message}).`, 'Reset Model', 'Show Details').then((choice) => {
        if (choice === 'Reset Model') void this.resetModel(false);
        if (choice === 'Show Details') this.output.show(true);
      });
    }
  }

  /** The window is closing or reloading: the run stopped now keeps its marker, so the next window says so. */
  windowClosing(): void {
    this.closing = true;
  }

  /**
   * The first run: with a folder open, enough text in it and no model, one dismissible message offers to
   * train (never training without the user's consent) or to open the walkthrough; "Don't Ask Again"
   * is remembered for the workspace.
   */
  async checkFirstRun(state: ModelState = this.store.state): Promise<FirstRun> {
    if (state.kind !== 'none') return 'has model';
    if (!vscode.workspace.workspaceFolders?.length) return 'no folder';
    if (this.workspaceState?.get<string>(FIRST_RUN_KEY) === 'never') return 'dismissed';
    const bytes = await workspaceTextBytes(FIRST_RUN_MIN_BYTES);
    if (bytes < FIRST_RUN_MIN_BYTES) return 'not enough text';
    const minutes = readSettings().training.timeBudgetMinutes;
    void vscode.window.showInformationMessage(
      `Char RNN can learn the code in this workspace to suggest completions, on this machine (nothing leaves it). Train a model now? It trains for ${minutes} minute${minutes === 1 ? '' : 's'} in the background; suggestions start after about 15 seconds.`,
      'Train on Workspace', 'Show Walkthrough', 'Not Now', "Don't Ask Again",
    ).then((choice) => {
      if (choice === 'Train on Workspace') void this.trainWorkspace();
      if (choice === 'Show Walkthrough') void vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
      if (choice === "Don't Ask Again") void this.workspaceState?.update(FIRST_RUN_KEY, 'never');
    });
    return 'prompted';
  }

  /** Says that a run was interrupted by the last window's reload or close, and offers to resume it. */
  private async noticeInterruptedRun(state: ModelState): Promise<void> {
    const file = path.join(this.store.folder, RUN_MARKER);
    let run: InterruptedRun;
    try {
      run = JSON.parse(await fsp.readFile(file, 'utf8')) as InterruptedRun;
    } catch {
      return; // none (or unreadable: nothing to say)
    } finally {
      await fsp.rm(file, { force: true }).catch(() => undefined);
    }
    this.interrupted = run;
    const started = new Date(run.startedAt);
    const step = state.kind === 'loaded' ? state.checkpoint.training?.step : undefined;
    const kept = step !== undefined ? `its last checkpoint (step ${step.toLocaleString()}) is kept` : 'no checkpoint was written yet';
    const when = Number.isNaN(started.getTime()) ? '' : ` at ${started.toLocaleTimeString()}`;
    const text = `The training started${when} was stopped when the window closed or reloaded; ${kept}.`;
    this.output.appendLine(text);
    const resumable = state.kind === 'loaded' && state.checkpoint.training !== undefined;
    void vscode.window.showWarningMessage(`Char RNN: ${text}`, ...(resumable ? ['Resume Training'] : ['Train on Workspace']), 'Show Output').then((choice) => {
      if (choice === 'Resume Training') void this.resumeTraining();
      if (choice === 'Train on Workspace') void this.trainWorkspace();
      if (choice === 'Show Output') this.output.show(true);
    });
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
    const state = this.store.state;
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
    await this.runJob('new', roots);
  }

  async resumeTraining(): Promise<void> {
    if (this.controller.isRunning) {
      void vscode.window.showInformationMessage('Char RNN is already training.');
      return;
    }
    const state = this.store.state;
    if (state.kind !== 'loaded' || !state.checkpoint.training) {
      const choice = await vscode.window.showInformationMessage(
        state.kind === 'loaded' ? 'This model has no training state to resume (it was imported): train a new one instead.' : 'There is no model to resume yet.',
        'Train on Workspace',
      );
      if (choice) await this.trainWorkspace();
      return;
    }
    const roots = this.workspaceRoots();
    if (roots) await this.runJob('resume', roots);
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
      const choice = await vscode.window.showWarningMessage('Delete this workspace\'s Char RNN model? Completions stop until a new one is trained.', { modal: true }, 'Reset Model');
      if (choice !== 'Reset Model') return;
    }
    if (this.controller.isRunning) await this.controller.stop();
    await this.store.reset();
    await fsp.rm(path.join(this.store.folder, CORPUS_REPORT), { force: true });
    this.corpus = undefined;
    this.lastError = undefined;
    this.output.appendLine('Model reset.');
  }

  /** Opens Model Info rendered (the Markdown preview), or as text where no preview is available. */
  async showModelInfo(): Promise<void> {
    this.infoChanged.fire(INFO_URI);
    const commands = await vscode.commands.getCommands(true);
    if (commands.includes('markdown.showPreview')) {
      await vscode.commands.executeCommand('markdown.showPreview', INFO_URI);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(INFO_URI);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async exportModel(): Promise<void> {
    if (this.store.state.kind !== 'loaded') {
      void vscode.window.showInformationMessage('There is no model to export yet.');
      return;
    }
    const target = await vscode.window.showSaveDialog({
      title: 'Export Char RNN Model',
      defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.store.folder, 'char-rnn-model.safetensors')),
      filters: { 'Safetensors checkpoint': ['safetensors'] },
    });
    if (!target) return;
    await this.store.exportTo(target.fsPath);
    void vscode.window.showInformationMessage(`Char RNN model exported to ${target.fsPath}.`);
  }

  async importModel(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      title: 'Import Char RNN Model',
      canSelectMany: false,
      filters: { 'Safetensors checkpoint': ['safetensors'] },
    });
    if (!picked?.[0]) return;
    if (this.controller.isRunning) {
      const choice = await vscode.window.showWarningMessage('Char RNN is training: stop it and replace its model?', { modal: true }, 'Stop and Import');
      if (choice !== 'Stop and Import') return;
      await this.controller.stop();
    }
    try {
      const checkpoint = await this.store.importFrom(picked[0].fsPath);
      const { hiddenSize, layers, vocabSize } = checkpoint.model.config;
      void vscode.window.showInformationMessage(`Char RNN model imported (H = ${hiddenSize}, L = ${layers}, ${vocabSize} symbols).`);
    } catch (err) {
      void vscode.window.showErrorMessage(`Char RNN cannot import this file: ${(err as Error).message}`);
    }
  }

  async showActions(): Promise<void> {
    const running = this.controller.isRunning;
    const hasModel = this.store.state.kind === 'loaded';
    const items: (vscode.QuickPickItem & { command: string })[] = [];
    if (running) items.push({ label: '$(debug-stop) Stop Training', command: 'charRnn.stopTraining' });
    else if (hasModel) {
      // with a model, the first (default) choice continues it; training anew asks first (a modal)
      items.push({ label: '$(debug-continue) Resume Training', command: 'charRnn.resumeTraining' });
      items.push({ label: '$(play) Train on Workspace', description: 'a new model, or resume', command: 'charRnn.trainWorkspace' });
    } else items.push({ label: '$(play) Train on Workspace', command: 'charRnn.trainWorkspace' });
    const completionsOn = vscode.workspace.getConfiguration('charRnn').get<boolean>('completion.enabled') !== false;
    items.push({ label: completionsOn ? '$(eye-closed) Disable Completions' : '$(eye) Enable Completions', command: 'charRnn.toggleCompletions' });
    items.push({ label: '$(graph-line) Open Training Panel', command: 'charRnn.openPanel' });
    items.push({ label: '$(info) Show Model Info', command: 'charRnn.showModelInfo' });
    if (hasModel) items.push({ label: '$(export) Export Model...', command: 'charRnn.exportModel' });
    items.push({ label: '$(cloud-download) Import Model...', command: 'charRnn.importModel' });
    if (hasModel) items.push({ label: '$(trash) Reset Model', command: 'charRnn.resetModel' });
    items.push({ label: '$(output) Show Output', command: 'charRnn.showOutput' });
    const choice = await vscode.window.showQuickPick(items, { title: 'Char RNN', placeHolder: this.status.text.replace(/\$\([^)]*\) /, '') });
    if (choice) await vscode.commands.executeCommand(choice.command);
  }

  // ---- events ------------------------------------------------------------------------------------

  /** Training on save: a short, bounded fine-tuning on the saved file, debounced. */
  onDidSave(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || !vscode.workspace.getWorkspaceFolder(doc.uri)) return;
    const settings = readSettings();
    if (!settings.training.trainOnSave) return;
    const state = this.store.state;
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

  /** A new model shape asks before the existing model is reset. */
  async onDidChangeConfiguration(e: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!e.affectsConfiguration('charRnn.model')) return;
    const state = this.store.state;
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

  private jobRequest(kind: JobKind, roots: string[], settings: Settings): TrainJobRequest {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const excludes = new Set<string>(settings.training.exclude);
    for (const folder of folders) for (const glob of editorExcludes(folder)) excludes.add(glob);
    const t = settings.training;
    return {
      kind,
      roots,
      out: this.store.checkpointPath,
      resume: kind === 'new' ? undefined : this.store.checkpointPath,
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

  private async runJob(kind: JobKind, roots: string[]): Promise<JobOutcome | undefined> {
    const settings = readSettings();
    const job = this.jobRequest(kind, roots, settings);
    await this.store.ensureFolder();
    this.lastError = undefined;
    const what = kind === 'fineTune' ? 'fine-tuning' : 'training';
    this.status.set({ kind: 'training', percent: 0, what });
    this.output.appendLine(`${new Date().toLocaleTimeString()} ${kind === 'new' ? 'Training a new model' : kind === 'resume' ? 'Resuming training' : 'Fine-tuning on saved files'} on ${roots.join(', ')} for ${Math.round(job.seconds)} s`);
    // the settings as read when the command ran, and where the model's size came from
    const m = settings.model;
    const t = settings.training;
    const shape = kind === 'new' ? `hidden size ${m.hiddenSize} (${settingOrigin('model.hiddenSize')} setting), ${m.layers} layer${m.layers > 1 ? 's' : ''}, ${m.directOrders > 0 ? `direct connections of orders 1-${m.directOrders}` : 'no direct connections'}; ` : '';
    this.output.appendLine(`  ${shape}${t.seqLength} characters a chunk, batch ${t.batchSize}, ${t.optimizer} at ${t.learningRate}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`);
    const marker = path.join(this.store.folder, RUN_MARKER);
    if (kind !== 'fineTune') {
      const run: InterruptedRun = { kind, startedAt: new Date().toISOString(), seconds: job.seconds };
      await fsp.writeFile(marker, JSON.stringify(run)).catch(() => undefined);
    }
    let outcome: JobOutcome;
    try {
      const running = this.controller.start(job);
      outcome = kind === 'fineTune' ? await running : await this.withProgress(running, job);
    } catch (err) {
      outcome = { kind: 'crashed', message: (err as Error).message };
    }
    // ended, unless the window is closing: then the marker stays for the next window to report
    if (!this.closing) await fsp.rm(marker, { force: true }).catch(() => undefined);
    if (this.closing) return outcome;
    await this.finish(kind, outcome);
    return outcome;
  }

  private withProgress(running: Promise<JobOutcome>, job: TrainJobRequest): Promise<JobOutcome> {
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: job.kind === 'new' ? 'Char RNN: training on the workspace' : 'Char RNN: resuming training', cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => void this.controller.stop());
          let reported = 0;
          let val: number | undefined;
          // a new model's suggestions start with its first checkpoint (FIRST_CHECKPOINT_SEC): say so until then
          let checkpointed = job.kind !== 'new';
          const sub = this.controller.onMessage((m) => {
            if (m.type === 'corpus') progress.report({ message: `read ${m.files.toLocaleString()} files (${(m.bytes / 1e6).toFixed(1)} MB)` });
            if (m.type === 'val') val = m.valBitsPerChar;
            if (m.type === 'checkpoint' && !checkpointed) {
              checkpointed = true;
              progress.report({ message: 'first checkpoint saved: suggestions are on' });
            }
            if (m.type === 'progress') {
              const percent = Math.min(100, m.fraction * 100);
              const parts = [`loss ${m.loss.toFixed(3)}`];
              if (val !== undefined) parts.push(`${val.toFixed(2)} bits/char`);
              parts.push(`${Math.round(m.charsPerSec).toLocaleString()} chars/s`);
              if (!checkpointed) parts.push(`suggestions after the first checkpoint (${FIRST_CHECKPOINT_SEC} s)`);
              progress.report({ increment: percent - reported, message: parts.join(' · ') });
              reported = percent;
            }
          });
          return running.finally(() => sub.dispose());
        },
      ),
    );
  }

  private onTrainerMessage(m: TrainerMessage): void {
    const kind = this.controller.currentJob?.kind;
    const what = kind === 'fineTune' ? 'fine-tuning' : 'training';
    switch (m.type) {
      case 'log':
        this.output.appendLine(m.message);
        break;
      case 'corpus': {
        const skipped = Object.entries(m.skippedByReason).map(([r, n]) => `${n} ${r}`).join(', ');
        this.output.appendLine(`Read ${m.files} files (${m.trainFiles} for training, ${m.valFiles} held out), ${m.chars.toLocaleString()} characters; skipped ${m.skippedCount}${skipped ? ` (${skipped})` : ''}.`);
        for (const w of m.warnings) this.output.appendLine(`  warning: ${w}`);
        if (kind !== 'fineTune') {
          const { type: _type, ...report } = m;
          this.corpus = { ...report, at: new Date().toISOString() };
          void fsp.writeFile(path.join(this.store.folder, CORPUS_REPORT), JSON.stringify(this.corpus)).catch(() => undefined);
        }
        break;
      }
      case 'start':
        this.output.appendLine(`Training ${m.parameters.toLocaleString()} parameters on ${m.trainChars.toLocaleString()} characters (${m.valChars.toLocaleString()} held out), ${m.backend}, ${m.threads} thread${m.threads > 1 ? 's' : ''}${m.step > 0 ? `, from step ${m.step}${m.resumedExactly ? '' : ' (files changed: data order restarted)'}` : ''}.`);
        break;
      case 'progress': {
        const s = this.status.current;
        this.status.set({ kind: 'training', what, percent: m.fraction * 100, bitsPerChar: s.kind === 'training' ? s.bitsPerChar : undefined, charsPerSec: m.charsPerSec });
        break;
      }
      case 'val': {
        this.output.appendLine(`step ${m.step}: loss ${m.loss.toFixed(3)} nats/char, validation ${m.valBitsPerChar.toFixed(3)} bits/char`);
        const s = this.status.current;
        if (s.kind === 'training') this.status.set({ ...s, bitsPerChar: m.valBitsPerChar });
        break;
      }
      case 'checkpoint':
        void this.store.load(); // completions pick up the newer model
        break;
      case 'done':
        this.output.appendLine(`Training ${DONE_VERB[m.reason]} at step ${m.step}: loss ${m.loss.toFixed(3)}${m.valBitsPerChar !== undefined ? `, validation ${m.valBitsPerChar.toFixed(3)} bits/char` : ''}, ${Math.round(m.charsPerSec).toLocaleString()} chars/s over ${m.elapsedSec.toFixed(0)} s.${m.message ? ` ${capitalise(m.message)}.` : ''} ${keptSentence(m)}`);
        break;
      case 'error':
        this.output.appendLine(`Training failed: ${m.message}`);
        break;
    }
  }

  private async finish(kind: JobKind, outcome: JobOutcome): Promise<void> {
    // a job that finished sent its last checkpoint before 'done', and that message started the read
    const state = outcome.kind === 'done' ? await this.store.settled() : await this.store.load();
    if (outcome.kind === 'done') {
      const notice = doneNotice(kind, outcome.message);
      if (notice?.severity === 'warning') void vscode.window.showWarningMessage(notice.text);
      else if (notice) void vscode.window.showInformationMessage(notice.text);
      this.showModelState(state);
      return;
    }
    this.lastError = outcome.message;
    this.output.appendLine(`${outcome.kind === 'crashed' ? 'Crash' : 'Error'}: ${outcome.message}`);
    if (outcome.kind === 'failed' && outcome.userError) {
      this.showModelState(state);
      void vscode.window.showErrorMessage(`Char RNN: ${outcome.message}`);
      return;
    }
    this.status.set({ kind: 'error', message: outcome.message });
    const resumable = state.kind === 'loaded' && state.checkpoint.training !== undefined;
    // not awaited: the job is over whether or not anyone answers
    void vscode.window.showErrorMessage(`Char RNN: ${outcome.message}`, ...(resumable ? ['Resume Training'] : []), 'Show Output').then((choice) => {
      if (choice === 'Resume Training') void this.resumeTraining();
      if (choice === 'Show Output') this.output.show(true);
    });
  }

  private showModelState(state: ModelState): void {
    if (state.kind === 'loaded') {
      const training = state.checkpoint.training;
      // the model's own validation: the best one when the run went on past it
      const bitsPerChar = training?.schedule?.best?.valBitsPerChar ?? lastValidation(training?.history ?? [])?.valBitsPerChar;
      this.status.set({ kind: 'ready', bitsPerChar, savedAt: state.savedAt, steps: training?.step ?? 0 });
    } else if (state.kind === 'invalid') {
      this.status.set({ kind: 'error', message: `the stored model cannot be read: ${state.message}` });
    } else {
      this.status.set({ kind: 'none' });
    }
  }

  dispose(): void {
    clearTimeout(this.saveTimer);
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * The bytes of the workspace's files (files.exclude applies, and the corpus's name rules), counted until `enough`
 * is reached: an estimate of whether there is anything to train on, not the corpus rules' count.
 */
async function workspaceTextBytes(enough: number): Promise<number> {
  const files = await vscode.workspace.findFiles('**/*', undefined, FIRST_RUN_MAX_FILES);
  let bytes = 0;
  for (const uri of files) {
    if (classifyName(path.posix.basename(uri.path))) continue; // the corpus rules' name-based excludes
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      bytes += stat.size;
    } catch {
      continue;
    }
    if (bytes >= enough) break;
  }
  return bytes;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

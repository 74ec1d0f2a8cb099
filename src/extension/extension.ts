/**
 * The extension's entry point. `activate()` only wires: each part gets exactly what it needs and every
 * disposable goes into `context.subscriptions`. `deactivate()` waits (bounded) for a running training
 * process to save and exit.
 */
import * as vscode from 'vscode';
import { setKernelLog } from '../core/kernels/default-kernels';
import { showActions } from './actions-menu';
import { CompletionsFeature } from './completions/feature';
import { ModelInfoDocument } from './model-info-document';
import { ModelStore } from './model-store';
import { exportModel, importModel } from './model-transfer';
import { PANEL_VIEW_TYPE, PanelDeps, TrainingPanel } from './panel/training-panel';
import { StatusItem, SHOW_ACTIONS_COMMAND } from './status';
import { TeamModel } from './team-model';
import { TrainingController } from './training/controller';
import { WorkspaceTraining } from './training/workspace-training';

/** What the extension exports: its parts, for the integration tests and other extensions. */
export interface CharRnnApi {
  store: ModelStore;
  controller: TrainingController;
  status: StatusItem;
  training: WorkspaceTraining;
  completions: CompletionsFeature;
  /** the training panel, when it is open */
  panel: () => TrainingPanel | undefined;
}

let shutdown: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): CharRnnApi {
  const output = vscode.window.createOutputChannel('Char RNN');
  setKernelLog((message) => output.appendLine(message));
  const store = new ModelStore(context.storageUri ?? context.globalStorageUri);
  // charRnn.model.path: a team model, read-only, used instead of the workspace's own while it is set
  const team = new TeamModel(store, (line) => output.appendLine(line));
  const controller = new TrainingController(context.asAbsolutePath('dist/trainer-process.js'), (line) => output.appendLine(line));
  const status = new StatusItem();
  const info = new ModelInfoDocument(store, controller);
  const training = new WorkspaceTraining(store, controller, status, output, info, context.workspaceState);
  const completions = new CompletionsFeature(store, context.globalState, (line) => output.appendLine(line));
  const showCompletions = () => status.setCompletions({ enabled: completions.enabled, ...completions.counters });
  showCompletions();
  info.sections.push(() => {
    const c = completions.counters;
    const dyn = completions.service.adaptation;
    const adaptation = dyn
      ? `- Adaptation on: ${dyn.segmentsLearned.toLocaleString()} segments learned in this window, ${dyn.adaptation.adaptedRows.toLocaleString()} adapted contexts (${(dyn.adaptation.bytes / 2 ** 20).toFixed(1)} MB of ${dyn.options.maxMB} MB; **Char RNN: Reset Adaptation** forgets them)\n`
        + (dyn.mixture ? `- Cache: ${dyn.mixture.cache.counted.toLocaleString()} characters of the text read and typed counted (${(dyn.mixture.bytes / 2 ** 20).toFixed(1)} MB of ${dyn.mixture.options.maxMB} MB), mixed with the model by weights learned from ${dyn.mixture.learned.toLocaleString()} characters\n` : '')
      : '- Adaptation off (the model has no direct connections, or `charRnn.completion.adapt` is off)\n';
    return `## Completions\n\n- ${completions.enabled ? 'On' : 'Off'}; ${c.shown.toLocaleString()} suggestions shown, ${c.accepted.toLocaleString()} accepted, ${c.acceptedChars.toLocaleString()} characters inserted (counted on this machine only; **Char RNN: Reset Completion Counters** clears them)\n${adaptation}`;
  });
  const command = (id: string, run: () => Promise<void> | void) => vscode.commands.registerCommand(id, run);
  context.subscriptions.push(
    output,
    store,
    team,
    controller,
    status,
    info,
    training,
    completions,
    completions.onDidChangeCounters(showCompletions),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('charRnn.completion')) showCompletions();
    }),
    command('charRnn.toggleCompletions', () => completions.toggle()),
    command('charRnn.resetCounters', () => completions.resetCounters()),
    command('charRnn.resetAdaptation', () => completions.resetAdaptation()),
    vscode.workspace.registerTextDocumentContentProvider('char-rnn', info.provider),
    command('charRnn.trainWorkspace', () => training.trainWorkspace()),
    command('charRnn.stopTraining', () => training.stopTraining()),
    command('charRnn.resumeTraining', () => training.resumeTraining()),
    command('charRnn.resetModel', () => training.resetModel()),
    command('charRnn.showModelInfo', () => info.show()),
    command('charRnn.exportModel', () => exportModel(store)),
    command('charRnn.importModel', () => importModel(store, controller)),
    command(SHOW_ACTIONS_COMMAND, () => showActions(controller, store, status)),
    command('charRnn.showOutput', () => output.show(true)),
    vscode.workspace.onDidSaveTextDocument((doc) => training.onDidSave(doc)),
    vscode.workspace.onDidChangeConfiguration((e) => training.onDidChangeConfiguration(e)),
  );
  const panelDeps: PanelDeps = { extensionUri: context.extensionUri, store, controller, log: (line) => output.appendLine(line) };
  context.subscriptions.push(
    command('charRnn.openPanel', () => void TrainingPanel.show(panelDeps)),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => void TrainingPanel.revive(panel, panelDeps),
    }),
    { dispose: () => TrainingPanel.open?.dispose() },
  );
  shutdown = () => {
    training.windowClosing(); // the run stopped now was interrupted: the next window says so
    return controller.shutdown();
  };
  void training.initialise();
  return { store, controller, status, training, completions, panel: () => TrainingPanel.open };
}

export function deactivate(): Promise<void> | undefined {
  return shutdown?.();
}

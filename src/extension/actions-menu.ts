/**
 * The actions the status bar item opens (Char RNN: Show Actions): a quick pick of what can be done now,
 * the default choice first (Stop Training while training, Resume Training with a model, else Train on
 * Workspace), each running its command. Training, Export and Reset act on the workspace's own model;
 * while a team model is in use (charRnn.model.path), their descriptions say so.
 */
import * as vscode from 'vscode';
import type { ModelStore } from './model-store';
import type { StatusItem } from './status';
import type { TrainingController } from './training/controller';

export async function showActions(controller: TrainingController, store: ModelStore, status: StatusItem): Promise<void> {
  const running = controller.isRunning;
  const hasModel = store.own.kind === 'loaded';
  const team = store.source.kind === 'team';
  const own = team ? 'this workspace\'s own model; the team model stays in use' : undefined;
  const items: (vscode.QuickPickItem & { command: string })[] = [];
  if (running) items.push({ label: '$(debug-stop) Stop Training', command: 'charRnn.stopTraining' });
  else if (hasModel) {
    // with a model, the first (default) choice continues it; training anew asks first (a modal)
    items.push({ label: '$(debug-continue) Resume Training', description: own, command: 'charRnn.resumeTraining' });
    items.push({ label: '$(play) Train on Workspace', description: own ?? 'a new model, or resume', command: 'charRnn.trainWorkspace' });
  } else items.push({ label: '$(play) Train on Workspace', description: own, command: 'charRnn.trainWorkspace' });
  const completionsOn = vscode.workspace.getConfiguration('charRnn').get<boolean>('completion.enabled') !== false;
  items.push({ label: completionsOn ? '$(eye-closed) Disable Completions' : '$(eye) Enable Completions', command: 'charRnn.toggleCompletions' });
  items.push({ label: '$(graph-line) Open Training Panel', command: 'charRnn.openPanel' });
  items.push({ label: '$(info) Show Model Info', command: 'charRnn.showModelInfo' });
  if (hasModel) items.push({ label: '$(export) Export Model...', description: team ? 'this workspace\'s own model' : undefined, command: 'charRnn.exportModel' });
  items.push({ label: '$(cloud-download) Import Model...', description: own, command: 'charRnn.importModel' });
  if (hasModel) items.push({ label: '$(trash) Reset Model', description: team ? 'this workspace\'s own model; the team model is not touched' : undefined, command: 'charRnn.resetModel' });
  items.push({ label: '$(output) Show Output', command: 'charRnn.showOutput' });
  const choice = await vscode.window.showQuickPick(items, { title: 'Char RNN', placeHolder: status.text.replace(/\$\([^)]*\) /, '') });
  if (choice) await vscode.commands.executeCommand(choice.command);
}

/**
 * Export Model... and Import Model...: the workspace's own checkpoint saved to a file of the user's
 * choice, or replaced by one (checked first; a training run is stopped, after asking, before its model
 * is replaced). A team model (charRnn.model.path) is never written: while one is in use, an import
 * replaces the workspace's own model and says that the team model stays in use. To update a team model,
 * export the own model over its file (and commit it).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelStore } from './model-store';
import type { TrainingController } from './training/controller';

export async function exportModel(store: ModelStore): Promise<void> {
  if (store.own.kind !== 'loaded') {
    const source = store.source;
    const team = source.kind === 'team' ? ` (the team model in use is the file ${source.shown} already)` : '';
    void vscode.window.showInformationMessage(`There is no model of this workspace to export yet${team}.`);
    return;
  }
  const target = await vscode.window.showSaveDialog({
    title: 'Export Char RNN Model',
    defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? store.folder, 'char-rnn-model.safetensors')),
    filters: { 'Safetensors checkpoint': ['safetensors'] },
  });
  if (!target) return;
  await store.exportTo(target.fsPath);
  void vscode.window.showInformationMessage(`Char RNN model exported to ${target.fsPath}.`);
}

export async function importModel(store: ModelStore, controller: TrainingController): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Import Char RNN Model',
    canSelectMany: false,
    filters: { 'Safetensors checkpoint': ['safetensors'] },
  });
  if (!picked?.[0]) return;
  if (controller.isRunning) {
    const choice = await vscode.window.showWarningMessage('Char RNN is training: stop it and replace its model?', { modal: true }, 'Stop and Import');
    if (choice !== 'Stop and Import') return;
    await controller.stop();
  }
  try {
    const checkpoint = await store.importFrom(picked[0].fsPath);
    const { hiddenSize, layers, vocabSize } = checkpoint.model.config;
    const source = store.source;
    const team = source.kind === 'team' ? ` as this workspace's own model; completions keep using the team model ${source.shown} while charRnn.model.path is set` : '';
    void vscode.window.showInformationMessage(`Char RNN model imported (H = ${hiddenSize}, L = ${layers}, ${vocabSize} symbols)${team}.`);
  } catch (err) {
    void vscode.window.showErrorMessage(`Char RNN cannot import this file: ${(err as Error).message}`);
  }
}

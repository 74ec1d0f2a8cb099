/**
 * Export Model... and Import Model...: the workspace's checkpoint saved to a file of the user's choice,
 * or replaced by one (checked first; a training run is stopped, after asking, before its model is replaced).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelStore } from './model-store';
import type { TrainingController } from './training/controller';

export async function exportModel(store: ModelStore): Promise<void> {
  if (store.state.kind !== 'loaded') {
    void vscode.window.showInformationMessage('There is no model to export yet.');
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
    void vscode.window.showInformationMessage(`Char RNN model imported (H = ${hiddenSize}, L = ${layers}, ${vocabSize} symbols).`);
  } catch (err) {
    void vscode.window.showErrorMessage(`Char RNN cannot import this file: ${(err as Error).message}`);
  }
}

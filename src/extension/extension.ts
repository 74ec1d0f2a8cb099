/**
 * The extension's entry point. `activate()` only wires: each part gets what it needs and every
 * disposable goes into `context.subscriptions`. (Training and completions arrive with later issues.)
 */
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Char RNN');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('charRnn.showModelInfo', () => {
      output.appendLine('No model yet: training arrives with "Char RNN: Train on Workspace".');
      output.show(true);
    }),
  );
}

export function deactivate(): void {}

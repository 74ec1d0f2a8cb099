/**
 * The team model setting in the editor: reads `charRnn.model.path` (the user's value only, in an
 * untrusted workspace), resolves it against the first workspace folder (model-source.ts), tells the
 * ModelStore, watches the file (a `git pull` that changes it reloads it, a deleted one says so) and
 * applies a change of the setting, of the workspace folders or of the workspace's trust at once. A file
 * that cannot be used is said once in the output channel and in a warning (each distinct message once),
 * and the status bar shows it as an error until it is fixed. The file is never written.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { effectiveModelPath, MODEL_PATH_SETTING, resolveModelPath, TeamModelSetting } from './model-source';
import type { ModelState, ModelStore } from './model-store';

/** How long the watcher waits after the last change before reading (a checkout writes in steps). */
const RELOAD_DELAY_MS = 300;

export class TeamModel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private watched: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** the messages already shown as a warning: each once */
  private readonly warned = new Set<string>();
  private lastLogged: string | undefined;

  constructor(
    private readonly store: ModelStore,
    private readonly log: (line: string) => void,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(MODEL_PATH_SETTING)) void this.apply();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.apply()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.apply()),
      store.onDidChange(() => this.report()),
    );
    // at once: the store's settled() then waits for the team model too (the first-run check does)
    void this.apply();
  }

  /** The setting as it is now, resolved (the first workspace folder's value, for a folder's `.vscode/settings.json`). */
  setting(): TeamModelSetting {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const inspected = vscode.workspace.getConfiguration('charRnn', folder?.uri).inspect<string>('model.path');
    const { value, ignored } = effectiveModelPath(inspected, vscode.workspace.isTrusted);
    if (ignored !== undefined) this.logOnce(`${MODEL_PATH_SETTING} "${ignored}" of this workspace is ignored until the workspace is trusted (Manage Workspace Trust).`);
    return resolveModelPath(value, folder?.uri.fsPath);
  }

  /** Reads the setting and makes the store use what it names; resolves with the state of the model in use. */
  apply(): Promise<ModelState> {
    const setting = this.setting();
    this.watch(setting.kind === 'file' ? setting.file : undefined);
    if (setting.kind === 'file') this.log(`Using the team model ${setting.shown} (${MODEL_PATH_SETTING}; read-only).`);
    else if (setting.kind === 'unset' && this.store.source.kind === 'team') this.log(`${MODEL_PATH_SETTING} cleared: using this workspace's own model.`);
    return this.store.useTeamModel(setting);
  }

  /** Watches `file` (its folder, for this name: a checkout replaces the file by renaming) and reloads it when it changes. */
  private watch(file: string | undefined): void {
    if (file === this.watched) return;
    this.watcher?.dispose();
    this.watcher = undefined;
    this.watched = file;
    if (file === undefined) return;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    const changed = () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.store.reloadTeam(), RELOAD_DELAY_MS);
    };
    watcher.onDidChange(changed);
    watcher.onDidCreate(changed);
    watcher.onDidDelete(changed);
    this.watcher = watcher;
  }

  /** Says, once each, why the team model cannot be used, and that it was loaded again once it can. */
  private report(): void {
    const source = this.store.source;
    if (source.kind !== 'team') return;
    const state = this.store.state;
    if (state.kind === 'invalid') {
      this.logOnce(`Error: ${state.message}. Completions are off until it is fixed.`);
      if (this.warned.has(state.message)) return;
      this.warned.add(state.message);
      void vscode.window.showWarningMessage(`Char RNN: ${state.message}.`, 'Open Settings', 'Show Output').then((choice) => {
        if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', MODEL_PATH_SETTING);
        if (choice === 'Show Output') void vscode.commands.executeCommand('charRnn.showOutput');
      });
    } else if (state.kind === 'loaded') {
      this.logOnce(`Team model ${source.shown} loaded (${state.bytes.toLocaleString()} bytes, modified ${state.savedAt.toLocaleString()}).`);
    }
  }

  /** A line in the output channel, unless it is the one written last (a reload that changed nothing). */
  private logOnce(line: string): void {
    if (line === this.lastLogged) return;
    this.lastLogged = line;
    this.log(line);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

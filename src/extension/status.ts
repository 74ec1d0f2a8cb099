/**
 * The status bar item: always tells the model's state (no model, training with its progress, ready
 * with its quality and age, and where the model comes from: the workspace's own or the team model,
 * error) and opens the actions when clicked. Its words are in status-text.ts.
 */
import * as vscode from 'vscode';
import { CompletionCounts, StatusState, statusText } from './status-text';

export const SHOW_ACTIONS_COMMAND = 'charRnn.showActions';

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: StatusState = { kind: 'none' };
  private completions: CompletionCounts | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.item = vscode.window.createStatusBarItem('charRnn.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Char RNN';
    this.item.command = SHOW_ACTIONS_COMMAND;
    this.render();
    this.item.show();
    // the model's age in the text: refreshed once a minute
    this.timer = setInterval(() => {
      if (this.state.kind === 'ready') this.render();
    }, 60_000);
  }

  get current(): StatusState {
    return this.state;
  }

  /** The text shown (for tests and the tooltip's first line). */
  get text(): string {
    return this.item.text;
  }

  /** The tooltip shown (for tests). */
  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : '';
  }

  set(state: StatusState): void {
    this.state = state;
    this.render();
  }

  /** Whether completions are on, and the local counters, for the text and the tooltip. */
  setCompletions(info: CompletionCounts): void {
    this.completions = info;
    this.render();
  }

  private render(): void {
    const { text, tooltip, error } = statusText(this.state, this.completions);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }
}

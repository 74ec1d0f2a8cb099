/**
 * The status bar item: always tells the model's state (no model, training with its progress, ready
 * with its quality and age, error) and opens the actions when clicked.
 */
import * as vscode from 'vscode';

export type StatusState =
  | { kind: 'none' }
  | { kind: 'training'; percent: number; bitsPerChar?: number; charsPerSec?: number; what: string }
  | { kind: 'ready'; bitsPerChar?: number; savedAt: Date; steps: number }
  | { kind: 'error'; message: string };

export const SHOW_ACTIONS_COMMAND = 'charRnn.showActions';

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: StatusState = { kind: 'none' };
  private completions: { enabled: boolean; shown: number; accepted: number; acceptedChars: number } | undefined;
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

  set(state: StatusState): void {
    this.state = state;
    this.render();
  }

  /** Whether completions are on, and the local counters, for the text and the tooltip. */
  setCompletions(info: { enabled: boolean; shown: number; accepted: number; acceptedChars: number }): void {
    this.completions = info;
    this.render();
  }

  private render(): void {
    const s = this.state;
    const bpc = (v: number | undefined) => (v === undefined ? '' : ` ${v.toFixed(2)} bits/char`);
    this.item.backgroundColor = undefined;
    switch (s.kind) {
      case 'none':
        this.item.text = '$(circle-slash) Char RNN: no model';
        this.item.tooltip = 'Char RNN has no model for this workspace yet. Click for actions (Train on Workspace, Import Model...).';
        break;
      case 'training':
        this.item.text = `$(sync~spin) Char RNN: ${s.what} ${Math.round(s.percent)}%${bpc(s.bitsPerChar)}`;
        this.item.tooltip = `Char RNN is ${s.what}: ${Math.round(s.percent)}% of the time budget${s.charsPerSec ? `, ${Math.round(s.charsPerSec).toLocaleString()} chars/s` : ''}. Click for actions (Stop Training...).`;
        break;
      case 'ready':
        this.item.text = `$(check) Char RNN:${bpc(s.bitsPerChar) || ' ready'} · ${age(s.savedAt)}`;
        this.item.tooltip = `Char RNN model ready: ${s.steps.toLocaleString()} training steps${bpc(s.bitsPerChar) ? `, validation${bpc(s.bitsPerChar)}` : ''}, saved ${s.savedAt.toLocaleString()}. Click for actions.`;
        break;
      case 'error':
        this.item.text = '$(error) Char RNN: error';
        this.item.tooltip = `Char RNN: ${s.message}. Click for actions.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
    const c = this.completions;
    if (c) {
      if (!c.enabled) this.item.text += ' (completions off)';
      const rate = c.shown > 0 ? ` (${Math.round((100 * c.accepted) / c.shown)}%)` : '';
      this.item.tooltip += `\n\nCompletions ${c.enabled ? 'on' : 'off'}: ${c.shown.toLocaleString()} suggestions shown, ${c.accepted.toLocaleString()} accepted${rate}, ${c.acceptedChars.toLocaleString()} characters inserted (counted on this machine only).`;
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.item.dispose();
  }
}

/** "just now", "5m", "3h", "2d" */
function age(since: Date, now = new Date()): string {
  const minutes = Math.floor((now.getTime() - since.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

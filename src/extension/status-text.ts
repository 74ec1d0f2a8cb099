/**
 * What the status bar item says for each state: its text and tooltip, and whether it is an error. No
 * `vscode` import (status.ts shows it): the unit tests check the words, the team model's source above all.
 */

export type StatusState =
  | { kind: 'none' }
  /** a team model (its path as given) being read */
  | { kind: 'loading'; team: string }
  | { kind: 'training'; percent: number; bitsPerChar?: number; charsPerSec?: number; what: string }
  /** `team`: the model in use is the team model at that path (charRnn.model.path), else the workspace's own */
  | { kind: 'ready'; bitsPerChar?: number; savedAt: Date; steps: number; team?: string }
  | { kind: 'error'; message: string; team?: string };

/** Whether completions are on, and the local counters. */
export interface CompletionCounts {
  enabled: boolean;
  shown: number;
  accepted: number;
  acceptedChars: number;
}

/** The item's text (with its codicon), its tooltip, and whether it shows as an error. */
export function statusText(s: StatusState, completions: CompletionCounts | undefined, now = new Date()): { text: string; tooltip: string; error: boolean } {
  const bpc = (v: number | undefined) => (v === undefined ? '' : ` ${v.toFixed(2)} bits/char`);
  let text: string;
  let tooltip: string;
  switch (s.kind) {
    case 'none':
      text = '$(circle-slash) Char RNN: no model';
      tooltip = 'Char RNN has no model for this workspace yet. Click for actions (Train on Workspace, Import Model...).';
      break;
    case 'loading':
      text = '$(sync~spin) Char RNN: loading the team model';
      tooltip = `Char RNN is reading the team model ${s.team} (read-only, from charRnn.model.path).`;
      break;
    case 'training':
      text = `$(sync~spin) Char RNN: ${s.what} ${Math.round(s.percent)}%${bpc(s.bitsPerChar)}`;
      tooltip = `Char RNN is ${s.what}: ${Math.round(s.percent)}% of the time budget${s.charsPerSec ? `, ${Math.round(s.charsPerSec).toLocaleString()} chars/s` : ''}. Click for actions (Stop Training...).`;
      break;
    case 'ready': {
      const quality = bpc(s.bitsPerChar);
      if (s.team !== undefined) {
        text = `$(lock) Char RNN: team model${quality} · ${age(s.savedAt, now)}`;
        tooltip = `Char RNN team model: ${s.team} (read-only, from charRnn.model.path; the adaptation to your typing stays in this window's memory): ${s.steps.toLocaleString()} training steps${quality ? `, validation${quality}` : ''}, file modified ${s.savedAt.toLocaleString()}. Click for actions.`;
      } else {
        text = `$(check) Char RNN:${quality || ' ready'} · ${age(s.savedAt, now)}`;
        tooltip = `Char RNN model ready (this workspace's trained model): ${s.steps.toLocaleString()} training steps${quality ? `, validation${quality}` : ''}, saved ${s.savedAt.toLocaleString()}. Click for actions.`;
      }
      break;
    }
    case 'error':
      text = s.team !== undefined ? '$(error) Char RNN: team model error' : '$(error) Char RNN: error';
      tooltip = `Char RNN: ${s.message}. Click for actions.`;
      break;
  }
  const c = completions;
  if (c) {
    if (!c.enabled) text += ' (completions off)';
    const rate = c.shown > 0 ? ` (${Math.round((100 * c.accepted) / c.shown)}%)` : '';
    tooltip += `\n\nCompletions ${c.enabled ? 'on' : 'off'}: ${c.shown.toLocaleString()} suggestions shown, ${c.accepted.toLocaleString()} accepted${rate}, ${c.acceptedChars.toLocaleString()} characters inserted (counted on this machine only).`;
  }
  return { text, tooltip, error: s.kind === 'error' };
}

/** "just now", "5m ago", "3h ago", "2d ago" */
function age(since: Date, now: Date): string {
  const minutes = Math.floor((now.getTime() - since.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

/**
 * The boundary between the extension host and the training panel's webview: one type per message,
 * imported by both sides. Messages from the webview are untrusted input: `parseFromPanel` validates
 * them before the extension uses them. Activations and probabilities are computed in the extension host
 * (never in the webview) and sent as plain arrays.
 */

/** A point of the loss curves, against characters seen. */
export interface LossPoint {
  charsSeen: number;
  step: number;
  /** smoothed training loss, nats per character */
  loss?: number;
  /** validation bits per character */
  valBitsPerChar?: number;
}

export interface PanelStatus {
  training: boolean;
  /** 0..1 of the time budget */
  fraction?: number;
  charsPerSec?: number;
  etaSec?: number;
  /** the model, when there is one */
  model?: { hiddenSize: number; layers: number; vocabSize: number; steps: number };
}

/** Hidden states h[t] of one layer for each character of a text, and the model's next-character guesses. */
export interface Activations {
  request: number;
  /** the characters along the axis (code points) */
  chars: string[];
  layer: number;
  layers: number;
  /** H */
  neurons: number;
  /** (chars, neurons) row-major: values[t * neurons + i] = h[layer][t][i], in [-1, 1] */
  values: number[];
  /** per character, the 5 most likely next characters and their probabilities */
  top: { chars: string[]; probs: number[] }[];
}

/** extension host -> webview */
export type ToPanel =
  /** everything the panel needs when it (re)opens: the history back-filled */
  | { type: 'init'; history: LossPoint[]; status: PanelStatus }
  /** new points while training (about two a second) */
  | { type: 'loss'; points: LossPoint[] }
  | { type: 'status'; status: PanelStatus }
  | ({ type: 'activations' } & Activations)
  /** a piece of a streamed sample */
  | { type: 'sample'; request: number; text: string; done: boolean }
  | { type: 'error'; request?: number; message: string };

/** webview -> extension host */
export type FromPanel =
  | { type: 'ready' }
  /** activations of the text around the active editor's cursor (or its selection), or of given text */
  | { type: 'activations'; request: number; source: 'editor' | 'text'; text?: string; layer: number }
  | { type: 'sample'; request: number; prompt: string; length: number; temperature: number }
  | { type: 'stopSample' }
  /** save a CSV (text) or PNG (data URL) export through a save dialog */
  | { type: 'export'; format: 'csv' | 'png'; data: string };

export const MAX_PANEL_TEXT = 400;
export const MAX_SAMPLE_LENGTH = 2000;

/** The message if it is a well-formed FromPanel, else undefined. */
export function parseFromPanel(raw: unknown): FromPanel | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const int = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  switch (m.type) {
    case 'ready':
    case 'stopSample':
      return { type: m.type };
    case 'activations':
      if (!int(m.request, 0, Number.MAX_SAFE_INTEGER) || !int(m.layer, 0, 3) || (m.source !== 'editor' && m.source !== 'text')) return undefined;
      if (m.source === 'text' && (typeof m.text !== 'string' || m.text.length === 0)) return undefined;
      return { type: 'activations', request: m.request as number, source: m.source, text: typeof m.text === 'string' ? m.text.slice(0, MAX_PANEL_TEXT * 2) : undefined, layer: m.layer as number };
    case 'sample':
      if (!int(m.request, 0, Number.MAX_SAFE_INTEGER) || typeof m.prompt !== 'string' || !int(m.length, 1, MAX_SAMPLE_LENGTH)) return undefined;
      if (typeof m.temperature !== 'number' || !(m.temperature >= 0 && m.temperature <= 2)) return undefined;
      return { type: 'sample', request: m.request as number, prompt: m.prompt.slice(-1000), length: m.length as number, temperature: m.temperature };
    case 'export':
      if ((m.format !== 'csv' && m.format !== 'png') || typeof m.data !== 'string' || m.data.length > 50_000_000) return undefined;
      if (m.format === 'png' && !m.data.startsWith('data:image/png;base64,')) return undefined;
      return { type: 'export', format: m.format, data: m.data };
    default:
      return undefined;
  }
}

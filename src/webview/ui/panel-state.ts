/**
 * The panel's view state and the data it keeps, as types and defaults only (no DOM, no VS Code API), so
 * that the message checks (messages.ts), the persistence (vscode-api.ts) and the views all import them
 * from below: the selected view, layer, neuron and ordering, the sample's settings, the typed text, and
 * the last activations shown.
 */
import type { Activations } from '../panel-protocol';

export type ViewId = 'chart' | 'heatmap' | 'neuron' | 'sample';
export const VIEW_IDS: readonly ViewId[] = ['chart', 'heatmap', 'neuron', 'sample'];

export type Ordering = 'index' | 'variance' | 'clustered';
export const ORDERINGS: readonly Ordering[] = ['index', 'variance', 'clustered'];

/** Activations as the panel keeps them: the values in a typed array. */
export type ActivationData = Omit<Activations, 'values'> & { values: Float32Array };

export interface SampleSettings {
  prompt: string;
  length: number;
  temperature: number;
}

export interface PanelState {
  view: ViewId;
  layer: number;
  /** the selected neuron (its index in the layer), or -1 */
  neuron: number;
  ordering: Ordering;
  logScale: boolean;
  sample: SampleSettings;
  /** the text typed for the heatmap */
  text: string;
  /** the next request number, so that a reloaded panel never reuses one */
  nextRequest: number;
  /** what the heatmap last showed, asked again when the layer changes */
  query?: { source: 'editor' | 'text'; text?: string };
  activations?: ActivationData;
}

export const DEFAULT_STATE: PanelState = {
  view: 'chart',
  layer: 0,
  neuron: -1,
  ordering: 'index',
  logScale: false,
  sample: { prompt: '', length: 200, temperature: 0.8 },
  text: '',
  nextRequest: 1,
};

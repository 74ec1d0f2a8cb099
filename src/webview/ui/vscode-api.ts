/**
 * The webview side of the VS Code API: `acquireVsCodeApi()` (callable once), typed with the panel's
 * messages and its persisted state. The state survives the panel being hidden and VS Code reloading
 * (through the extension's WebviewPanelSerializer); the loss history is not kept in it (the extension
 * sends it again with `init`).
 */
import type { Activations, FromPanel } from '../panel-protocol';
import { isInt, parseActivations } from './messages';

interface VsCodeApi {
  postMessage(message: FromPanel): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

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

/** The persisted form: activations' values as base64 of their float32 bytes (cheap to serialize again and again). */
interface StoredState extends Omit<PanelState, 'activations'> {
  activations?: Omit<ActivationData, 'values'> & { values64: string };
}

export class Host {
  private readonly api: VsCodeApi;
  private encoded: { of: ActivationData; values64: string } | undefined;

  constructor() {
    this.api = acquireVsCodeApi();
  }

  post(message: FromPanel): void {
    this.api.postMessage(message);
  }

  /** The saved state, each field checked (a field that does not fit its type takes its default). */
  loadState(): PanelState {
    const raw = this.api.getState();
    const s: PanelState = { ...DEFAULT_STATE, sample: { ...DEFAULT_STATE.sample } };
    if (typeof raw !== 'object' || raw === null) return s;
    const r = raw as Record<string, unknown>;
    if (VIEW_IDS.includes(r.view as ViewId)) s.view = r.view as ViewId;
    if (isInt(r.layer, 0, 63)) s.layer = r.layer;
    if (isInt(r.neuron, -1, 1 << 16)) s.neuron = r.neuron;
    if (ORDERINGS.includes(r.ordering as Ordering)) s.ordering = r.ordering as Ordering;
    if (typeof r.logScale === 'boolean') s.logScale = r.logScale;
    if (typeof r.text === 'string') s.text = r.text;
    if (isInt(r.nextRequest, 1, Number.MAX_SAFE_INTEGER)) s.nextRequest = r.nextRequest;
    const q = r.query as Record<string, unknown> | undefined;
    if (typeof q === 'object' && q !== null && (q.source === 'editor' || (q.source === 'text' && typeof q.text === 'string'))) {
      s.query = q.source === 'editor' ? { source: 'editor' } : { source: 'text', text: q.text as string };
    }
    const sample = r.sample as Record<string, unknown> | undefined;
    if (typeof sample === 'object' && sample !== null) {
      if (typeof sample.prompt === 'string') s.sample.prompt = sample.prompt;
      if (typeof sample.length === 'number' && Number.isFinite(sample.length)) s.sample.length = sample.length;
      if (typeof sample.temperature === 'number' && Number.isFinite(sample.temperature)) s.sample.temperature = sample.temperature;
    }
    const a = r.activations as Record<string, unknown> | undefined;
    if (typeof a === 'object' && a !== null && typeof a.values64 === 'string') {
      const values = decodeFloats(a.values64);
      // the rest is checked like a message from the extension
      const checked = values && parseActivations({ ...a, values });
      if (checked) s.activations = checked;
    }
    return s;
  }

  saveState(state: PanelState): void {
    const { activations, ...rest } = state;
    const stored: StoredState = rest;
    if (activations) {
      if (this.encoded?.of !== activations) this.encoded = { of: activations, values64: encodeFloats(activations.values) };
      const { values: _values, ...meta } = activations;
      stored.activations = { ...meta, values64: this.encoded.values64 };
    }
    this.api.setState(stored);
  }
}

function encodeFloats(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

function decodeFloats(base64: string): Float32Array | undefined {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return undefined;
  }
  if (binary.length % 4 !== 0) return undefined;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

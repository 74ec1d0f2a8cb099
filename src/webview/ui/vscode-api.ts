/**
 * The webview side of the VS Code API: `acquireVsCodeApi()` (callable once), typed with the panel's
 * messages and its persisted state (whose shape is in panel-state.ts). The state survives the panel
 * being hidden and VS Code reloading (through the extension's WebviewPanelSerializer); the loss history
 * is not kept in it (the extension sends it again with `init`).
 */
import type { FromPanel } from '../panel-protocol';
import { isInt, parseActivations } from './messages';
import { DEFAULT_STATE, ORDERINGS, VIEW_IDS, type ActivationData, type Ordering, type PanelState, type ViewId } from './panel-state';

interface VsCodeApi {
  postMessage(message: FromPanel): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

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

/**
 * Checks of the messages from the extension host. The panel shows workspace text, which is untrusted, and
 * a message may be malformed (a bug, or a newer extension): a message that does not fit `ToPanel` is
 * dropped whole; inside `init` and `loss`, a point that does not fit `LossPoint` is dropped alone.
 */
import { MAX_PANEL_TEXT, type LossPoint, type PanelStatus, type ToPanel } from '../panel-protocol';
import type { ActivationData } from './panel-state';

/** The most characters and neurons a heatmap takes (the extension sends at most MAX_PANEL_TEXT characters). */
const MAX_CHARS = 4 * MAX_PANEL_TEXT;
const MAX_NEURONS = 4096;
const MAX_MESSAGE_TEXT = 1_000_000;

/** A checked message, with activations' values as a Float32Array. */
export type PanelMessage =
  | Exclude<ToPanel, { type: 'activations' }>
  | ({ type: 'activations' } & ActivationData);

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isRequest = (v: unknown): v is number => isInt(v, 0, Number.MAX_SAFE_INTEGER);

export function parseToPanel(raw: unknown): PanelMessage | undefined {
  if (!isObj(raw)) return undefined;
  switch (raw.type) {
    case 'init': {
      const status = parseStatus(raw.status);
      if (!Array.isArray(raw.history) || !status) return undefined;
      return { type: 'init', history: parsePoints(raw.history), status };
    }
    case 'loss':
      if (!Array.isArray(raw.points)) return undefined;
      return { type: 'loss', points: parsePoints(raw.points) };
    case 'status': {
      const status = parseStatus(raw.status);
      return status && { type: 'status', status };
    }
    case 'activations': {
      const a = parseActivations(raw);
      return a && { type: 'activations', ...a };
    }
    case 'sample':
      if (!isRequest(raw.request) || typeof raw.text !== 'string' || raw.text.length > MAX_MESSAGE_TEXT || typeof raw.done !== 'boolean') return undefined;
      return { type: 'sample', request: raw.request, text: raw.text, done: raw.done };
    case 'error':
      if (typeof raw.message !== 'string' || (raw.request !== undefined && !isRequest(raw.request))) return undefined;
      return { type: 'error', request: raw.request, message: raw.message.slice(0, 2000) };
    default:
      return undefined;
  }
}

function parseStatus(raw: unknown): PanelStatus | undefined {
  if (!isObj(raw) || typeof raw.training !== 'boolean') return undefined;
  const s: PanelStatus = { training: raw.training };
  if (isNum(raw.fraction)) s.fraction = Math.min(1, Math.max(0, raw.fraction));
  if (isNum(raw.charsPerSec) && raw.charsPerSec >= 0) s.charsPerSec = raw.charsPerSec;
  if (isNum(raw.etaSec) && raw.etaSec >= 0) s.etaSec = raw.etaSec;
  const m = raw.model;
  if (isObj(m) && isInt(m.hiddenSize, 1, MAX_NEURONS) && isInt(m.layers, 1, 64) && isInt(m.vocabSize, 1, 1 << 21) && isInt(m.steps, 0, Number.MAX_SAFE_INTEGER)) {
    s.model = { hiddenSize: m.hiddenSize, layers: m.layers, vocabSize: m.vocabSize, steps: m.steps };
  }
  return s;
}

function parsePoints(raw: unknown[]): LossPoint[] {
  const points: LossPoint[] = [];
  for (const p of raw) {
    if (!isObj(p) || !isNum(p.charsSeen) || p.charsSeen < 0 || !isNum(p.step)) continue;
    const point: LossPoint = { charsSeen: p.charsSeen, step: p.step };
    if (isNum(p.loss) && p.loss >= 0) point.loss = p.loss;
    if (isNum(p.valBitsPerChar) && p.valBitsPerChar >= 0) point.valBitsPerChar = p.valBitsPerChar;
    if (point.loss !== undefined || point.valBitsPerChar !== undefined) points.push(point);
  }
  return points;
}

/**
 * Activations if `raw` fits `Activations` (values as numbers or a Float32Array), else undefined. Values are
 * clamped to [-1, 1]; a character that is not one code point, or a value that is not a finite number,
 * rejects the whole message.
 */
export function parseActivations(raw: Obj): ActivationData | undefined {
  const { chars, top, values } = raw;
  if (!isRequest(raw.request) || !isInt(raw.layers, 1, 64) || !isInt(raw.layer, 0, raw.layers - 1) || !isInt(raw.neurons, 1, MAX_NEURONS)) return undefined;
  if (!Array.isArray(chars) || chars.length === 0 || chars.length > MAX_CHARS) return undefined;
  if (!chars.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 2 && [...c].length === 1)) return undefined;
  const T = chars.length;
  const H = raw.neurons;
  if (!(Array.isArray(values) || values instanceof Float32Array) || values.length !== T * H) return undefined;
  const v = new Float32Array(T * H);
  for (let k = 0; k < v.length; k++) {
    const x = values[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
    v[k] = x < -1 ? -1 : x > 1 ? 1 : x;
  }
  if (!Array.isArray(top) || top.length !== T) return undefined;
  const guesses: ActivationData['top'] = [];
  for (const g of top) {
    if (!isObj(g) || !Array.isArray(g.chars) || !Array.isArray(g.probs) || g.chars.length !== g.probs.length || g.chars.length > 32) return undefined;
    if (!g.chars.every((c) => typeof c === 'string' && c.length <= 8) || !g.probs.every((p) => isNum(p) && p >= 0 && p <= 1)) return undefined;
    guesses.push({ chars: g.chars as string[], probs: g.probs as number[] });
  }
  return { request: raw.request, chars: chars as string[], layer: raw.layer, layers: raw.layers, neurons: H, values: v, top: guesses };
}

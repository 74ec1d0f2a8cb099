/**
 * The data of the training panel's tests (panel-*.test.ts): a training run's loss curves, activations of
 * given values, and activations that look like a trained model's on a piece of code, all deterministic.
 */
import type { Activations, LossPoint, ToPanel } from '../../src/webview/panel-protocol';

/** A deterministic generator of numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A training run's curves: loss falling from 4.4 towards 1.2 nats/char, validation every 25 points. */
export function lossHistory(n: number, charsPerPoint = 10_000): LossPoint[] {
  const rnd = random(7);
  let smooth = 4.4;
  const points: LossPoint[] = [];
  for (let k = 0; k < n; k++) {
    const charsSeen = (k + 1) * charsPerPoint;
    const target = 1.2 + 3.2 * Math.exp(-charsSeen / (n * charsPerPoint * 0.12)) + 0.15 * Math.exp(-charsSeen / (n * charsPerPoint * 0.5));
    smooth = 0.9 * smooth + 0.1 * (target + (rnd() - 0.5) * 0.3);
    const p: LossPoint = { charsSeen, step: (k + 1) * 5, loss: smooth };
    if ((k + 1) % 25 === 0) p.valBitsPerChar = (target + 0.08) / Math.LN2;
    points.push(p);
  }
  return points;
}

const TOP = { chars: ['e', ' ', 't', '(', '\n'], probs: [0.41, 0.22, 0.12, 0.08, 0.05] };

export function activations(chars: string[], neurons: number, value: (t: number, i: number) => number, extra: Partial<Activations> = {}): ToPanel {
  const values = new Array<number>(chars.length * neurons);
  for (let t = 0; t < chars.length; t++) for (let i = 0; i < neurons; i++) values[t * neurons + i] = value(t, i);
  return { type: 'activations', request: 0, chars, layer: 0, layers: 2, neurons, values, top: chars.map(() => TOP), ...extra };
}

export const CODE = `function add(a, b) {
  return a + b; // the sum
}

const xs = [1, 2, 3].map((x) => add(x, 10));
if (xs.length > 2) {
  console.log("three: " + xs[2]);
}
`;

/**
 * Activations that look like a trained model's: each neuron is tanh of a random mix of features of the
 * text (bracket depth, column, inside a string or a comment, letters, digits, spaces), smoothed over time.
 */
export function codeActivations(text: string, neurons: number, seed = 3): ToPanel {
  const chars = [...text];
  const rnd = random(seed);
  const features: number[][] = [];
  let depth = 0;
  let col = 0;
  let inString = false;
  let inComment = false;
  for (const c of chars) {
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === '"') inString = !inString;
    if (c === '/' && !inString) inComment = true;
    features.push([depth / 2, col / 20, inString ? 1 : 0, inComment ? 1 : 0, /[a-z]/i.test(c) ? 1 : 0, /\d/.test(c) ? 1 : 0, c === ' ' ? 1 : 0, c === '\n' ? 1 : 0, 1]);
    if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    col = c === '\n' ? 0 : col + 1;
    if (c === '\n') inComment = false;
  }
  const F = features[0].length;
  const weights = Array.from({ length: neurons }, () => Array.from({ length: F }, (_, k) => (rnd() - 0.5) * (k === F - 1 ? 1 : rnd() < 0.25 ? 4 : 1.6)));
  const state = new Float64Array(neurons);
  const values: number[][] = [];
  for (let t = 0; t < chars.length; t++) {
    values.push(
      Array.from({ length: neurons }, (_, i) => {
        const u = weights[i].reduce((s, w, k) => s + w * features[t][k], 0);
        state[i] = 0.6 * state[i] + 0.4 * u;
        return Math.tanh(state[i]);
      }),
    );
  }
  const top = chars.map((_, t) => {
    const next = chars[t + 1] ?? '\n';
    const others = ['e', ' ', 't', '(', '\n', ';', 'a'].filter((c) => c !== next).slice(0, 4);
    const p = 0.35 + 0.6 * rnd();
    const rest = [0.5, 0.25, 0.15, 0.1].map((f) => (1 - p) * f * 0.9);
    return { chars: [next, ...others], probs: [p, ...rest] };
  });
  return { type: 'activations', request: 0, chars, layer: 0, layers: 2, neurons, values: values.flat(), top };
}

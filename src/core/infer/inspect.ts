/**
 * Looking inside the model: the hidden state of a layer at every character of a text, read from the
 * zero state, with the model's most likely next characters at each position (as Karpathy's char-rnn
 * visualisations show them).
 */
import { FloatArray } from '../kernels/kernels';
import { InferenceStepper, RnnModel, zeroState } from '../model/model';
import { DirectContext } from '../model/direct-connections';
import { softmax } from './generate';

export interface HiddenStates {
  /** the text's characters (code points) */
  chars: string[];
  layer: number;
  /** H */
  neurons: number;
  /** (chars, neurons) row-major: h[layer][t] after reading character t */
  values: Float32Array;
  /** per character, the `topN` most likely next characters and their probabilities */
  top: { chars: string[]; probs: number[] }[];
}

export function hiddenStates(model: RnnModel<FloatArray>, text: string, layer: number, topN = 5): HiddenStates {
  const { layers: L, hiddenSize: H, vocabSize: V } = model.config;
  if (!(Number.isInteger(layer) && layer >= 0 && layer < L)) throw new Error(`layer must be from 0 to ${L - 1}, got ${layer}`);
  const chars = Array.from(text);
  const stepper = InferenceStepper.for(model, 1);
  const state = zeroState(model.config);
  const values = new Float32Array(chars.length * H);
  const p = new Float64Array(V);
  const top: HiddenStates['top'] = [];
  const order = Array.from({ length: V - 1 }, (_, i) => i + 1);
  const ctx = model.direct ? new DirectContext(model.direct, 1) : undefined;
  chars.forEach((c, t) => {
    const id = model.vocab.idOfCodePoint(c.codePointAt(0)!);
    stepper.step(state, [id], true);
    ctx?.push(0, id);
    ctx?.addTo(stepper.logits);
    values.set(state.subarray(layer * H, (layer + 1) * H), t * H);
    softmax(p, stepper.logits, 0, V);
    const best = order.slice().sort((a, b) => p[b] - p[a] || a - b).slice(0, topN);
    top.push({ chars: best.map((id) => model.vocab.display(id)), probs: best.map((id) => p[id]) });
  });
  return { chars, layer, neurons: H, values, top };
}

/**
 * Parameter updates: Adam (the default) and the seed's Adagrad, after clipping the gradient either by
 * its global norm (default 5) or element-wise to [-clip, clip] as min-char-rnn does. Each optimizer's
 * memory is one array in the parameter layout, so that it is saved and restored as a tensor.
 */
import { FloatArray } from '../kernels/kernels';

export type OptimizerName = 'adam' | 'adagrad';
export type ClipMode = 'norm' | 'value';

export interface OptimizerSettings {
  name: OptimizerName;
  learningRate: number;
  clipMode: ClipMode;
  /** the global norm bound ('norm') or the element bound ('value') */
  clip: number;
}

export const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { adam: 5e-3, adagrad: 0.1 };

const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPS = 1e-8;
const ADAGRAD_EPS = 1e-8;

/** The names of each optimizer's state arrays, as saved in a checkpoint (`optim.<name>`). */
export const OPTIMIZER_STATE_NAMES: Record<OptimizerName, readonly string[]> = {
  adam: ['m', 'v'],
  adagrad: ['mem'],
};

export class Optimizer {
  readonly settings: OptimizerSettings;
  /** updates applied so far (Adam's bias correction needs it) */
  step = 0;
  /** named state arrays, each (P) in the parameter layout: Adam's m and v, Adagrad's mem */
  readonly state: Record<string, Float32Array>;

  constructor(settings: OptimizerSettings, parameterCount: number) {
    validateOptimizerSettings(settings);
    this.settings = { ...settings };
    this.state = {};
    for (const name of OPTIMIZER_STATE_NAMES[settings.name]) this.state[name] = new Float32Array(parameterCount);
  }

  /** Restores saved state; each array must have the parameter count. */
  restore(step: number, state: Record<string, Float32Array>): void {
    for (const name of OPTIMIZER_STATE_NAMES[this.settings.name]) {
      const saved = state[name];
      if (!saved) throw new Error(`optimizer state '${name}' is missing`);
      if (saved.length !== this.state[name].length) {
        throw new Error(`optimizer state '${name}' has ${saved.length} elements, the model has ${this.state[name].length} parameters`);
      }
      this.state[name].set(saved);
    }
    this.step = step;
  }

  /**
   * Clips `grad` in place and applies one update to `params`, at the learning rate times `lrScale`
   * (the trainer's plateau schedule). Returns the gradient's norm before clipping; a gradient that is
   * not finite changes nothing and returns its non-finite norm: training diverged, the caller stops.
   */
  update(params: FloatArray, grad: FloatArray, lrScale = 1): number {
    const { name, clipMode, clip } = this.settings;
    const lr = this.settings.learningRate * lrScale;
    let sumSq = 0;
    for (let i = 0; i < grad.length; i++) sumSq += grad[i] * grad[i];
    const norm = Math.sqrt(sumSq);
    if (!Number.isFinite(norm)) return norm;
    if (clipMode === 'norm') {
      if (norm > clip) {
        const s = clip / norm;
        for (let i = 0; i < grad.length; i++) grad[i] *= s;
      }
    } else {
      for (let i = 0; i < grad.length; i++) grad[i] = Math.min(clip, Math.max(-clip, grad[i]));
    }
    this.step++;
    if (name === 'adam') {
      const { m, v } = this.state;
      const c1 = 1 / (1 - Math.pow(BETA1, this.step));
      const c2 = 1 / (1 - Math.pow(BETA2, this.step));
      for (let i = 0; i < params.length; i++) {
        const g = grad[i];
        const mi = BETA1 * m[i] + (1 - BETA1) * g;
        const vi = BETA2 * v[i] + (1 - BETA2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] -= (lr * mi * c1) / (Math.sqrt(vi * c2) + ADAM_EPS);
      }
    } else {
      const { mem } = this.state;
      for (let i = 0; i < params.length; i++) {
        const g = grad[i];
        const mi = mem[i] + g * g;
        mem[i] = mi;
        params[i] -= (lr * g) / Math.sqrt(mi + ADAGRAD_EPS);
      }
    }
    return norm;
  }
}

export function validateOptimizerSettings(s: OptimizerSettings): void {
  if (s.name !== 'adam' && s.name !== 'adagrad') throw new Error(`optimizer must be 'adam' or 'adagrad', got '${s.name}'`);
  if (!(s.learningRate > 0 && s.learningRate <= 10)) throw new Error(`learning rate must be in (0, 10], got ${s.learningRate}`);
  if (s.clipMode !== 'norm' && s.clipMode !== 'value') throw new Error(`clip mode must be 'norm' or 'value', got '${s.clipMode}'`);
  if (!(s.clip > 0 && Number.isFinite(s.clip))) throw new Error(`clip must be a positive number, got ${s.clip}`);
}

/**
 * Shared by the checkpoint PyTorch-compatibility and refusal tests: the tensors PyTorch saves for a
 * 2-layer nn.RNN + nn.Linear, filled with deterministic floats.
 */
import type { TensorIn } from '../../src/core/checkpoint/safetensors/encode';

/** Deterministic non-trivial floats in [-0.5, 0.5), different for each `salt`. */
export function pseudo(n: number, salt: number): Float32Array {
  const out = new Float32Array(n);
  let x = (salt * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x / 4294967296 - 0.5;
  }
  return out;
}

/**
 * The tensors of a 2-layer `nn.RNN(V, H, 2)` + `nn.Linear(H, V)` saved from PyTorch, in PyTorch's own
 * names and shapes, with both biases non-zero.
 */
export function pytorchTensors(V: number, H: number): Record<string, TensorIn> {
  const f32 = (shape: number[], salt: number): TensorIn => ({ dtype: 'F32', shape, data: pseudo(shape.reduce((a, b) => a * b, 1), salt) });
  return {
    'rnn.weight_ih_l0': f32([H, V], 1),
    'rnn.weight_hh_l0': f32([H, H], 2),
    'rnn.bias_ih_l0': f32([H], 3),
    'rnn.bias_hh_l0': f32([H], 4),
    'rnn.weight_ih_l1': f32([H, H], 5),
    'rnn.weight_hh_l1': f32([H, H], 6),
    'rnn.bias_ih_l1': f32([H], 7),
    'rnn.bias_hh_l1': f32([H], 8),
    'out.weight': f32([V, H], 9),
    'out.bias': f32([V], 10),
  };
}

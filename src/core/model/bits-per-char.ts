/**
 * The model's loss on held-out text in bits per character: each file read from the zero state, many
 * files at a time in chunks of T steps (the same forward pass as training, bptt.ts). The trainer's
 * validation and the evaluation both measure with it; the editor's adaptation has its own
 * (eval/simulated-user.ts, dynamicBitsPerChar).
 */
import { FloatArray } from '../kernels/kernels';
import { allocChunk, BpttBuffers, Chunk, forwardChunk, freeChunk } from './bptt';
import { EncodedFiles } from './encoded-text';
import { RnnModel } from './model';

export interface BitsPerCharResult {
  bitsPerChar: number;
  /** characters predicted (each file's first character has no context and is not counted) */
  chars: number;
}

/**
 * Bits per character over the files, each read from the zero state, B files at a time in chunks of T
 * steps, at most `maxChars` predictions (files are taken in order and the last one cut).
 */
export function bitsPerChar(model: RnnModel<FloatArray>, files: EncodedFiles, opts: { maxChars?: number; T?: number; B?: number } = {}): BitsPerCharResult {
  const maxChars = opts.maxChars ?? Infinity;
  const spans: [number, number][] = [];
  let budget = maxChars;
  for (let f = 0; f + 1 < files.starts.length && budget > 0; f++) {
    const s = files.starts[f], e = files.starts[f + 1];
    if (e - s < 2) continue;
    const predictions = Math.min(e - s - 1, budget);
    spans.push([s, s + predictions + 1]);
    budget -= predictions;
  }
  if (spans.length === 0) return { bitsPerChar: NaN, chars: 0 };
  const T = opts.T ?? 64;
  const B = Math.min(opts.B ?? 32, spans.length);
  const buf = new BpttBuffers(model, T, B);
  const chunk = allocChunk(T, B, model.kernels, model.direct ? model.config.vocabSize : undefined);
  // (N, orders) the direct-connection rows of each position
  const rows = model.kernels.allocI32(model.direct ? T * B * model.direct.config.orders : 0);
  try {
    return bitsPerCharLoop(model, files, spans, buf, chunk, rows);
  } finally {
    buf.release();
    freeChunk(chunk, model.kernels);
    model.kernels.free(rows);
  }
}

function bitsPerCharLoop(model: RnnModel<FloatArray>, files: EncodedFiles, spans: [number, number][], buf: BpttBuffers<FloatArray>, chunk: Chunk, rows: Int32Array): BitsPerCharResult {
  const { T, B } = buf;
  const pos = new Array<number>(B).fill(0);
  const end = new Array<number>(B).fill(0);
  const direct = model.direct;
  const V = model.config.vocabSize;
  const R = direct?.config.orders ?? 0;
  const start = new Array<number>(B).fill(0);
  let nextSpan = 0;
  let nats = 0;
  let chars = 0;
  for (;;) {
    let active = false;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const n = t * B + b;
        let reset = 0;
        if (pos[b] >= end[b] - 1 && nextSpan < spans.length) {
          [pos[b], end[b]] = spans[nextSpan++];
          start[b] = pos[b];
          reset = 1;
        }
        if (pos[b] < end[b] - 1) {
          chunk.inputs[n] = files.tokens[pos[b]];
          chunk.targets[n] = files.tokens[pos[b] + 1];
          chunk.weight[n] = 1;
          if (direct) direct.rowsAt(files.tokens, pos[b], start[b], rows, n * R); // the span starts at its file's start
          pos[b]++;
          active = true;
        } else {
          chunk.inputs[n] = 0;
          chunk.targets[n] = 0;
          chunk.weight[n] = 0;
          rows.fill(0, n * R, (n + 1) * R); // any valid row: the position does not count
        }
        chunk.reset[n] = reset;
      }
    }
    if (!active) break;
    if (direct) model.kernels.sumRows(chunk.bias!, direct.table, rows, T * B, R, V);
    const loss = forwardChunk(model, buf, chunk);
    buf.forwardDone = false;
    nats += loss * buf.lastWeight;
    chars += buf.lastWeight;
  }
  return { bitsPerChar: nats / chars / Math.LN2, chars };
}

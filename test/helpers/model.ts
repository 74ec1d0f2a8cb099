import { encodeFiles, EncodedFiles } from '../../src/core/model/encoded-text';
import { RnnModel } from '../../src/core/model/model';
import { Vocab } from '../../src/core/model/vocab';
import { defaultKernels } from '../../src/core/kernels/default-kernels';

export function lettersVocab(V: number): Vocab {
  return new Vocab(['', ...'abcdefghijklmnopqrstuvwxyz'.slice(0, V - 1)]);
}

export function textData(texts: string[], vocab?: Vocab): { vocab: Vocab; data: EncodedFiles } {
  const v = vocab ?? Vocab.build(texts);
  return { vocab: v, data: encodeFiles(v, texts.map((text, i) => ({ relPath: `f${i}.txt`, text }))) };
}

export function smallModel(texts: string[], hiddenSize = 16, layers = 1, seed = 1): RnnModel {
  const vocab = Vocab.build(texts);
  return RnnModel.create({ vocabSize: vocab.size, hiddenSize, layers }, vocab, seed, defaultKernels());
}

export function bytesOf(a: Float32Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * A model whose next-character distribution depends only on the last character, with chosen
 * probabilities: next[a][b] = P(b | a). Built by hand: Whh = 0, h = tanh(3) e_x, Why maps h to log-probs.
 * The zero state (no character yet) predicts uniformly.
 */
export function bigramModel(symbols: string[], next: Record<string, Record<string, number>>): RnnModel {
  const vocab = new Vocab(['', ...symbols]);
  const V = vocab.size;
  const H = Math.max(16, V);
  const model = RnnModel.create({ vocabSize: V, hiddenSize: H, layers: 1 }, vocab, 1, defaultKernels());
  model.params.fill(0);
  const g = Math.tanh(3);
  for (let x = 0; x < V; x++) model.w.Wxh[0][x * V + x] = 3; // Wxh (H, V): unit x lights up for input x
  for (const [a, row] of Object.entries(next)) {
    const i = vocab.idOfCodePoint(a.codePointAt(0)!);
    const rest = 1 - Object.values(row).reduce((s, p) => s + p, 0);
    const others = V - 1 - Object.keys(row).length;
    for (let v = 1; v < V; v++) {
      const sym = vocab.symbols[v];
      const p = row[sym] ?? Math.max(1e-12, rest / Math.max(1, others));
      model.w.Why[v * H + i] = Math.log(p) / g;
    }
  }
  return model;
}

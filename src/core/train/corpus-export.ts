/**
 * The corpus as a training run reads it, in one safetensors file, for trainers outside this project
 * (the PyTorch trainer of issue 15): the token ids of every file after the corpus rules, the vocabulary
 * and the train/validation split, so that no other implementation re-reads a workspace.
 *
 *   tokens       (N)          U8 when the vocabulary has at most 256 symbols, else I32 (PyTorch 1.13,
 *                             the version Debian ships, has no uint16): the training files, then the
 *                             validation files, each file's ids in order
 *   file_starts  (files + 1)  I32: file f spans tokens[file_starts[f] .. file_starts[f + 1])
 *   file_split   (files)      U8: 0 for a training file, 1 for a validation file
 *   __metadata__             format 'char-rnn-corpus', format_version '1', vocab (JSON array of each
 *                             id's symbol, as in a checkpoint), files (JSON array of relative paths),
 *                             unknown_chars (training characters mapped to the unknown symbol)
 */
import { encodeSafetensors, TensorIn } from '../checkpoint/safetensors/encode';
import { decodeSafetensors } from '../checkpoint/safetensors/decode';
import { parseMetadataJson } from '../checkpoint/metadata';
import { CheckpointFormatError } from '../checkpoint/safetensors/format';
import { EncodedFiles, tokenArrayFor } from '../model/encoded-text';
import { Vocab } from '../model/vocab';
import { PreparedData } from './prepare';

const CORPUS_FORMAT = 'char-rnn-corpus';
const CORPUS_FORMAT_VERSION = 1;

/** The largest number of tokens a file's offsets (int32) can address. */
const MAX_TOKENS = 2 ** 31 - 1;

/**
 * The safetensors bytes of prepared training data (prepare.ts). Throws when the corpus has more than
 * 2^31 - 1 tokens (its offsets are int32).
 */
export function encodeCorpusExport(data: PreparedData): Uint8Array {
  const parts = [data.train, data.val];
  const total = data.train.tokens.length + data.val.tokens.length;
  if (total > MAX_TOKENS) throw new Error(`the corpus has ${total} characters, more than the ${MAX_TOKENS} a corpus file can hold: lower --max-corpus-mb`);
  const files = parts.reduce((n, p) => n + p.names.length, 0);
  const wide = data.vocab.size > 256;
  const tokens = wide ? new Int32Array(total) : new Uint8Array(total);
  const fileStarts = new Int32Array(files + 1);
  const fileSplit = new Uint8Array(files);
  let offset = 0;
  let f = 0;
  parts.forEach((part, split) => {
    tokens.set(part.tokens, offset);
    for (let i = 0; i < part.names.length; i++, f++) {
      fileStarts[f] = offset + part.starts[i];
      fileSplit[f] = split;
    }
    offset += part.tokens.length;
  });
  fileStarts[files] = offset;
  const tensors: Record<string, TensorIn> = {
    tokens: wide ? { dtype: 'I32', shape: [total], data: tokens as Int32Array } : { dtype: 'U8', shape: [total], data: tokens as Uint8Array },
    file_starts: { dtype: 'I32', shape: [files + 1], data: fileStarts },
    file_split: { dtype: 'U8', shape: [files], data: fileSplit },
  };
  return encodeSafetensors(tensors, {
    format: CORPUS_FORMAT,
    format_version: String(CORPUS_FORMAT_VERSION),
    vocab: JSON.stringify(data.vocab.symbols),
    files: JSON.stringify([...data.train.names, ...data.val.names]),
    unknown_chars: String(data.unknownChars),
  });
}

/**
 * Reads a corpus file back into the vocabulary and the encoded training and validation files (what
 * prepareData gave when it was written). Throws CheckpointFormatError naming what is wrong.
 */
export function decodeCorpusExport(bytes: Uint8Array, source = 'corpus file'): { vocab: Vocab; train: EncodedFiles; val: EncodedFiles } {
  const { tensors, metadata } = decodeSafetensors(bytes, { source });
  const fail = (problem: string): never => {
    throw new CheckpointFormatError(`${source}: ${problem}`);
  };
  if (metadata.format !== CORPUS_FORMAT) fail(`not a Char-RNN corpus file (format '${metadata.format ?? ''}', expected '${CORPUS_FORMAT}')`);
  if (metadata.format_version !== String(CORPUS_FORMAT_VERSION)) fail(`corpus format version ${metadata.format_version} is not ${CORPUS_FORMAT_VERSION}`);
  const symbols = parseMetadataJson('vocab', metadata.vocab ?? '', fail);
  const names = parseMetadataJson('files', metadata.files ?? '', fail);
  if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === 'string')) fail(`'vocab' must be a JSON array of strings`);
  if (!Array.isArray(names) || !names.every((s) => typeof s === 'string')) fail(`'files' must be a JSON array of strings`);
  let vocab: Vocab;
  try {
    vocab = new Vocab(symbols as string[]);
  } catch (err) {
    return fail(`its vocabulary is not valid: ${(err as Error).message}`);
  }
  const tokens = tensors.tokens?.data, starts = tensors.file_starts?.data, split = tensors.file_split?.data;
  if (!tokens || !starts || !split) fail(`it needs the tensors tokens, file_starts and file_split`);
  const fileNames = names as string[];
  if (starts!.length !== fileNames.length + 1 || split!.length !== fileNames.length) fail(`file_starts must have ${fileNames.length + 1} entries and file_split ${fileNames.length}`);
  if (starts![0] !== 0 || starts![fileNames.length] !== tokens!.length) fail(`file_starts must run from 0 to the ${tokens!.length} tokens`);
  for (let f = 0; f < fileNames.length; f++) {
    if (starts![f + 1] < starts![f]) fail(`file_starts must not decrease (file ${f})`);
    if (split![f] > 1) fail(`file_split must be 0 or 1 (file ${f})`);
  }
  for (let i = 0; i < tokens!.length; i++) if (tokens![i] < 0 || tokens![i] >= vocab.size) fail(`token ${tokens![i]} at ${i} is outside the ${vocab.size}-symbol vocabulary`);
  const part = (which: number): EncodedFiles => {
    const picked: number[] = [];
    for (let f = 0; f < fileNames.length; f++) if (split![f] === which) picked.push(f);
    const length = picked.reduce((n, f) => n + starts![f + 1] - starts![f], 0);
    const out = tokenArrayFor(vocab, length);
    const partStarts = new Int32Array(picked.length + 1);
    let at = 0;
    picked.forEach((f, i) => {
      partStarts[i] = at;
      out.set(tokens!.subarray(starts![f], starts![f + 1]), at);
      at += starts![f + 1] - starts![f];
    });
    partStarts[picked.length] = at;
    return { tokens: out, starts: partStarts, names: picked.map((f) => fileNames[f]) };
  };
  return { vocab, train: part(0), val: part(1) };
}

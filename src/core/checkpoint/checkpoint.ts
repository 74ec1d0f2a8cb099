/**
 * Checkpoints: one `.safetensors` file that PyTorch's `nn.RNN(V, H, L, nonlinearity='tanh')` plus
 * `nn.Linear(H, V)` load as they are, with the training state as extra tensors.
 *
 *   rnn.weight_ih_l{l}  (H, V) for l = 0, (H, H) above   = Wxh[l]
 *   rnn.weight_hh_l{l}  (H, H)                           = Whh[l]
 *   rnn.bias_ih_l{l}    (H)                              = bh[l]
 *   rnn.bias_hh_l{l}    (H)                              zeros (PyTorch's second bias; added to bh on load)
 *   out.weight          (V, H)                           = Why
 *   out.bias            (V)                              = by
 *   optim.<name>        (P)  optimizer state in the parameter layout (Adam: m, v; Adagrad: mem)
 *   train.carry         (L, B, H)  the hidden state carried into the next chunk
 *   train.streams       (2, B) I32  each stream's position and segment end
 *   me.weight           (R, V)  direct n-gram connections (RNNME), see direct-connections.ts; metadata 'direct'
 *                               gives {orders, rowsPerOrder, hash}; absent in a model without them
 *   optim.me.adagrad    (R)     the table's row-wise Adagrad state
 *
 * `__metadata__` (strings): format 'char-rnn-complete', format_version, vocab (JSON array of one-code-
 * point strings in index order, '' for the unknown symbol), config, and for a training run: settings,
 * step, chars_seen, optimizer, history, resume, schedule (the best validation and the plateau state;
 * absent before it existed), latest_step. Each value is checked for its type and range before it is used
 * (metadata.ts), and every size made of them is checked before anything is allocated.
 *
 * Format 2 adds `header_crc32` (safetensors/format.ts): with `crc32` of the data, a flipped bit anywhere in the
 * file is detected. A format-2 file without it is refused; a format-1 file (written before it) loads with
 * its data checksum, and a file without `format_version` (PyTorch) with whichever checksums it has.
 *
 * A training run keeps two files (train/job.ts): `model.safetensors`, the model to use (the best by
 * validation), and, while the run's latest state is not that model, `model.latest.safetensors` beside it
 * (latestPathOf) with the whole latest state, for resuming. The first then holds the best model with
 * its step, the run's settings, schedule and history, no optimizer or stream state, and `latest_step`:
 * the step of the state beside it.
 */
import { ModelConfig, RnnModel, inputSize, paramLayout, validateConfig } from '../model/model';
import { DirectConnections } from '../model/direct-connections';
import { Kernels } from '../kernels/kernels';
import { OPTIMIZER_STATE_NAMES } from '../model/optimizer';
import { parseMetadataJson, readMetadataJson, readNonNegativeNumber, readWholeNumber } from './metadata';
import { DecodedSafetensors, decodeSafetensors, TensorOut } from './safetensors/decode';
import { encodeSafetensors, TensorIn } from './safetensors/encode';
import { readSafetensorsFile, removeStaleTempFiles, writeFileAtomic } from './safetensors/file';
import { CheckpointFormatError } from './safetensors/format';
import { DEFAULT_TRAIN_SETTINGS, MetricPoint, ScheduleState, TrainingState, TrainSettings, validateTrainSettings } from './training-state';
import { Vocab } from '../model/vocab';

export { CheckpointFormatError };

const FORMAT_NAME = 'char-rnn-complete';
/** 2: the header's checksum (`header_crc32`) is required; 1: only the data's (`crc32`) */
export const FORMAT_VERSION = 2;
/** how the direct connections' contexts map to rows (direct-connections.ts); another value is refused */
const DIRECT_HASH = 'fnv1a16-exact-low';

/**
 * Where a run whose latest state is not its best model keeps that state: beside the checkpoint `out`,
 * `model.safetensors` -> `model.latest.safetensors` (any other name gets `.latest` appended).
 */
export function latestPathOf(out: string): string {
  return out.endsWith('.safetensors') ? `${out.slice(0, -'.safetensors'.length)}.latest.safetensors` : `${out}.latest`;
}

/** The checkpoint whose latest state `latest` holds, when `latest` is named as latestPathOf names it. */
export function keptPathOf(latest: string): string | undefined {
  if (latest.endsWith('.latest.safetensors')) return `${latest.slice(0, -'.latest.safetensors'.length)}.safetensors`;
  if (latest.endsWith('.latest')) return latest.slice(0, -'.latest'.length);
  return undefined;
}

export interface LoadedCheckpoint {
  model: RnnModel;
  /** present when the file holds a training run's state */
  training?: TrainingState;
  metadata: Record<string, string>;
}

/** The checkpoint bytes of a model and, optionally, its training state. */
export function encodeCheckpoint(model: RnnModel, training?: TrainingState): Uint8Array {
  const { vocabSize: V, hiddenSize: H, layers: L } = model.config;
  const tensors: Record<string, TensorIn> = {};
  const f32 = (shape: number[], data: Float32Array): TensorIn => ({ dtype: 'F32', shape, data });
  for (let l = 0; l < L; l++) {
    tensors[`rnn.weight_ih_l${l}`] = f32([H, inputSize(model.config, l)], model.w.Wxh[l]);
    tensors[`rnn.weight_hh_l${l}`] = f32([H, H], model.w.Whh[l]);
    tensors[`rnn.bias_ih_l${l}`] = f32([H], model.w.bh[l]);
    tensors[`rnn.bias_hh_l${l}`] = f32([H], new Float32Array(H));
  }
  tensors['out.weight'] = f32([V, H], model.w.Why);
  tensors['out.bias'] = f32([V], model.w.by);
  const metadata: Record<string, string> = {
    format: FORMAT_NAME,
    format_version: String(FORMAT_VERSION),
    config: JSON.stringify(model.config),
    vocab: JSON.stringify(model.vocab.symbols),
  };
  const direct = model.direct;
  if (direct) {
    tensors['me.weight'] = f32([direct.rowCount, V], direct.table);
    metadata.direct = JSON.stringify({ orders: direct.config.orders, rowsPerOrder: direct.config.rowsPerOrder, hash: DIRECT_HASH });
  }
  if (training) {
    if (direct && training.directSumSq?.length === direct.rowCount) tensors['optim.me.adagrad'] = f32([direct.rowCount], training.directSumSq);
    for (const [name, data] of Object.entries(training.optimizer.state)) tensors[`optim.${name}`] = f32([data.length], data);
    metadata.settings = JSON.stringify(training.settings);
    metadata.step = String(training.step);
    metadata.chars_seen = String(training.charsSeen);
    metadata.optimizer = JSON.stringify({ name: training.optimizer.name, step: training.optimizer.step });
    metadata.history = JSON.stringify(training.history);
    const sc = training.schedule;
    if (sc) metadata.schedule = JSON.stringify({ best: sc.best && { valBitsPerChar: sc.best.valBitsPerChar, step: sc.best.step, charsSeen: sc.best.charsSeen, loss: sc.best.loss }, valFingerprint: sc.valFingerprint, sinceImprovement: sc.sinceImprovement, reductions: sc.reductions, lrScale: sc.lrScale });
    if (training.latestStep !== undefined) metadata.latest_step = String(training.latestStep);
    const r = training.resume;
    if (r) {
      const B = r.streams.pos.length;
      tensors['train.carry'] = f32([L, B, H], r.carry);
      tensors['train.streams'] = { dtype: 'I32', shape: [2, B], data: Int32Array.from([...r.streams.pos, ...r.streams.end]) };
      metadata.resume = JSON.stringify({ rng: r.rng, smoothLoss: r.smoothLoss, dataFingerprint: r.dataFingerprint });
    }
  }
  return encodeSafetensors(tensors, metadata);
}

/** Writes a checkpoint atomically (a temporary file, then a rename). */
export async function saveCheckpoint(path: string, model: RnnModel, training?: TrainingState): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(model, training));
}

/**
 * Reads a checkpoint file (refusing what is not a regular file); the temporary files a killed writer
 * left beside it are removed on the way (safetensors/file.ts, removeStaleTempFiles).
 */
export async function loadCheckpoint(path: string, kernels: Kernels): Promise<LoadedCheckpoint> {
  await removeStaleTempFiles(path);
  return fromSafetensors(await readSafetensorsFile(path), path, kernels);
}

/**
 * Reads a checkpoint written by this project or by PyTorch with the same names and metadata. Every
 * problem is a CheckpointFormatError that says what is wrong.
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string, kernels: Kernels): LoadedCheckpoint {
  return fromSafetensors(decodeSafetensors(bytes, { source }), source, kernels);
}

function fromSafetensors({ tensors, metadata }: DecodedSafetensors, source: string, kernels: Kernels): LoadedCheckpoint {
  let params: Float32Array | undefined; // every failure gives it back to the kernels' memory
  const fail = (problem: string): never => {
    if (params) kernels.free(params);
    throw new CheckpointFormatError(`${source}: ${problem}`);
  };
  if (metadata.format !== undefined && metadata.format !== FORMAT_NAME) fail(`not a Char-RNN checkpoint (format '${metadata.format}')`);
  if (metadata.format_version !== undefined) {
    const version = /^[1-9][0-9]{0,8}$/.test(metadata.format_version) ? Number(metadata.format_version) : NaN;
    if (!Number.isInteger(version)) fail(`format_version '${metadata.format_version}' is not a version number`);
    if (version > FORMAT_VERSION) fail(`written by a newer version of Char-RNN Complete (format ${version}); this version reads format ${FORMAT_VERSION}: update the extension`);
    // decodeSafetensors verified the checksum when present; from format 2 on it must be
    if (version >= 2 && metadata.header_crc32 === undefined) fail(`format ${version} needs the header checksum 'header_crc32', which is missing: the file is corrupt`);
    if (metadata.crc32 === undefined) fail(`the data checksum 'crc32' is missing: the file is corrupt`);
  }
  if (metadata.vocab === undefined) {
    fail(`not a Char-RNN checkpoint: its metadata has no 'vocab'${tensors['rnn.weight_hh_l0'] ? ' (a PyTorch RNN saved without the vocabulary: add it to __metadata__, see the README)' : ''}`);
  }
  const symbols = parseMetadataJson('vocab', metadata.vocab, fail);
  if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === 'string')) fail(`'vocab' must be a JSON array of strings`);
  let vocab: Vocab;
  try {
    vocab = new Vocab(symbols as string[]);
  } catch (err) {
    return fail(`'vocab' is invalid: ${(err as Error).message}`);
  }
  const get = (name: string): TensorOut => tensors[name] ?? fail(`tensor '${name}' is missing`);
  // the shape comes from the tensors; metadata's config, when present, must agree with it
  const hh0 = get('rnn.weight_hh_l0');
  const H = hh0.shape[0];
  // the layer count is the highest layer any rnn.* tensor names; every tensor of every layer must be there
  let L = 0;
  for (const name of Object.keys(tensors)) {
    const m = /^rnn\.[a-z_]+_l(\d+)$/.exec(name);
    if (m) L = Math.max(L, Number(m[1]) + 1);
  }
  const config: ModelConfig = { vocabSize: vocab.size, hiddenSize: H, layers: L };
  try {
    validateConfig(config);
  } catch (err) {
    fail(`unsupported model shape: ${(err as Error).message}`);
  }
  if (metadata.config !== undefined) {
    const declared = readMetadataJson('config', metadata.config, fail);
    for (const key of ['vocabSize', 'hiddenSize', 'layers'] as const) {
      if (declared[key] !== undefined && declared[key] !== config[key]) fail(`metadata says ${key} = ${declared[key]} but the tensors give ${config[key]}`);
    }
  }
  // every tensor's shape is checked before the parameters are allocated: a small file never costs more memory than it holds
  const expected = (name: string, shape: number[]): TensorOut => {
    const t = get(name);
    if (!(t.data instanceof Float32Array)) fail(`tensor '${name}' has dtype ${t.dtype}, expected a float type`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      fail(`tensor '${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] for V = ${config.vocabSize}, H = ${H}, L = ${L}`);
    }
    return t;
  };
  const shapes: [string, number[]][] = [];
  for (let l = 0; l < L; l++) {
    shapes.push([`rnn.weight_ih_l${l}`, [H, inputSize(config, l)]], [`rnn.weight_hh_l${l}`, [H, H]], [`rnn.bias_ih_l${l}`, [H]]);
    if (tensors[`rnn.bias_hh_l${l}`]) shapes.push([`rnn.bias_hh_l${l}`, [H]]);
  }
  shapes.push(['out.weight', [config.vocabSize, H]], ['out.bias', [config.vocabSize]]);
  for (const [name, shape] of shapes) expected(name, shape);
  params = kernels.allocF32(paramLayout(config).size);
  const model = new RnnModel(config, vocab, params, kernels);
  const take = (name: string, shape: number[], into: Float32Array) => {
    const t = expected(name, shape);
    into.set(t.data as Float32Array);
    return t.data as Float32Array;
  };
  for (let l = 0; l < L; l++) {
    take(`rnn.weight_ih_l${l}`, [H, inputSize(config, l)], model.w.Wxh[l]);
    take(`rnn.weight_hh_l${l}`, [H, H], model.w.Whh[l]);
    take(`rnn.bias_ih_l${l}`, [H], model.w.bh[l]);
    if (tensors[`rnn.bias_hh_l${l}`]) {
      const extra = take(`rnn.bias_hh_l${l}`, [H], new Float32Array(H));
      const bh = model.w.bh[l];
      for (let i = 0; i < H; i++) bh[i] += extra[i]; // PyTorch adds its two biases
    }
  }
  take('out.weight', [config.vocabSize, H], model.w.Why);
  take('out.bias', [config.vocabSize], model.w.by);
  // a tensor of the model's namespaces that was not used means a different architecture (bidirectional, projections...)
  const known = new Set(['out.weight', 'out.bias']);
  for (let l = 0; l < L; l++) for (const k of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) known.add(`rnn.${k}_l${l}`);
  const unknown = Object.keys(tensors).filter((n) => (n.startsWith('rnn.') || n.startsWith('out.')) && !known.has(n));
  if (unknown.length > 0) fail(`tensor '${unknown[0]}' does not belong to a unidirectional tanh nn.RNN + nn.Linear model`);
  model.direct = readDirect(tensors, metadata, config, fail);
  const training = metadata.settings !== undefined ? readTraining(tensors, metadata, config, fail) : undefined;
  if (training && model.direct) {
    const acc = tensors['optim.me.adagrad'];
    if (acc) {
      if (!(acc.data instanceof Float32Array) || acc.data.length !== model.direct.rowCount) fail(`tensor 'optim.me.adagrad' must hold ${model.direct.rowCount} floats`);
      training.directSumSq = acc.data as Float32Array;
    }
  }
  return { model, training, metadata };
}

/** The direct connections of a checkpoint: none without 'me.weight'; a clear error when they do not fit. */
function readDirect(tensors: Record<string, TensorOut>, metadata: Record<string, string>, config: ModelConfig, fail: (p: string) => never): DirectConnections | undefined {
  const t = tensors['me.weight'];
  const unknown = Object.keys(tensors).find((n) => n.startsWith('me.') && n !== 'me.weight');
  if (unknown) fail(`tensor '${unknown}' is not a direct-connection tensor this version knows`);
  if (!t) return undefined;
  if (metadata.direct === undefined) fail(`tensor 'me.weight' needs the metadata 'direct' ({orders, rowsPerOrder, hash})`);
  const meta = readMetadataJson('direct', metadata.direct, fail);
  if (meta.hash !== DIRECT_HASH) fail(`direct connections hashed with '${meta.hash}'; this version reads '${DIRECT_HASH}'`);
  if (!(t.data instanceof Float32Array)) fail(`tensor 'me.weight' has dtype ${t.dtype}, expected a float type`);
  let rows = 0;
  const directConfig = { orders: meta.orders, rowsPerOrder: meta.rowsPerOrder, vocabSize: config.vocabSize };
  try {
    DirectConnections.validate(directConfig); // the row count in doubles, before any 32-bit arithmetic
    rows = DirectConnections.rowTotal(directConfig);
  } catch (err) {
    return fail(`metadata 'direct' is invalid: ${(err as Error).message}`);
  }
  if (t.shape.length !== 2 || t.shape[0] !== rows || t.shape[1] !== config.vocabSize) {
    fail(`tensor 'me.weight' has shape [${t.shape.join(', ')}], expected [${rows}, ${config.vocabSize}] for its metadata 'direct'`);
  }
  return new DirectConnections(directConfig, t.data as Float32Array); // the decoded array itself: no second copy
}

function readTraining(tensors: Record<string, TensorOut>, metadata: Record<string, string>, config: ModelConfig, fail: (p: string) => never): TrainingState {
  const settings = readMetadataJson('settings', metadata.settings, fail) as Partial<TrainSettings>;
  try {
    validateTrainSettings({ ...DEFAULT_TRAIN_SETTINGS, ...settings, hiddenSize: config.hiddenSize, layers: config.layers });
  } catch (err) {
    fail(`metadata 'settings': ${(err as Error).message}`);
  }
  const step = metadata.step === undefined ? 0 : readWholeNumber('step', metadata.step, fail);
  const charsSeen = metadata.chars_seen === undefined ? 0 : readNonNegativeNumber('chars_seen', metadata.chars_seen, fail);
  const optimizerMeta = readMetadataJson('optimizer', metadata.optimizer ?? '{"name":"adam","step":0}', fail);
  const names = OPTIMIZER_STATE_NAMES[optimizerMeta.name];
  const P = paramLayout(config).size;
  const state: Record<string, Float32Array> = {};
  for (const name of names) {
    const t = tensors[`optim.${name}`];
    if (!t) continue;
    if (!(t.data instanceof Float32Array) || t.data.length !== P) fail(`tensor 'optim.${name}' must hold ${P} floats`);
    state[name] = t.data as Float32Array;
  }
  const complete = names.every((n) => state[n]);
  const history = readMetadataJson('history', metadata.history ?? '[]', fail) as MetricPoint[];
  const training: TrainingState = {
    settings: settings as TrainSettings,
    step,
    charsSeen,
    optimizer: complete ? { name: optimizerMeta.name, step: optimizerMeta.step, state } : { name: optimizerMeta.name, step: 0, state: {} },
    history,
  };
  if (metadata.schedule !== undefined) training.schedule = readSchedule(parseMetadataJson('schedule', metadata.schedule, fail), step, fail);
  if (metadata.latest_step !== undefined) {
    const latestStep = /^(0|[1-9][0-9]{0,15})$/.test(metadata.latest_step) ? Number(metadata.latest_step) : NaN;
    if (!Number.isSafeInteger(latestStep) || latestStep < step) fail(`'latest_step' must be a whole number from 'step' (${step}) up, got '${metadata.latest_step}'`);
    training.latestStep = latestStep;
  }
  const carry = tensors['train.carry'];
  const streams = tensors['train.streams'];
  if (metadata.resume !== undefined && carry && streams) {
    const r = readMetadataJson('resume', metadata.resume, fail);
    if (!(streams.data instanceof Int32Array) || streams.shape.length !== 2 || streams.shape[0] !== 2) fail(`tensor 'train.streams' must be I32 of shape [2, B]`);
    const B = streams.shape[1];
    if (!(carry.data instanceof Float32Array) || carry.data.length !== config.layers * B * config.hiddenSize) fail(`tensor 'train.carry' must be (L, B, H) = (${config.layers}, ${B}, ${config.hiddenSize})`);
    const s = streams.data as Int32Array;
    training.resume = {
      rng: r.rng,
      smoothLoss: r.smoothLoss,
      dataFingerprint: r.dataFingerprint,
      carry: carry.data as Float32Array,
      streams: { pos: Array.from(s.subarray(0, B)), end: Array.from(s.subarray(B, 2 * B)) },
    };
  }
  return training;
}

/** The metadata 'schedule', checked field by field. */
function readSchedule(value: unknown, step: number, fail: (p: string) => never): ScheduleState {
  const bad = (field: string, what: string): never => fail(`metadata 'schedule': '${field}' must be ${what}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`metadata 'schedule' must be a JSON object`);
  const o = value as Record<string, unknown>;
  const count = (field: string): number => {
    const v = o[field];
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : bad(field, 'a whole number');
  };
  const schedule: ScheduleState = { sinceImprovement: count('sinceImprovement'), reductions: count('reductions'), lrScale: 1 };
  if (!(typeof o.lrScale === 'number' && o.lrScale > 0 && o.lrScale <= 1)) bad('lrScale', 'a number in (0, 1]');
  schedule.lrScale = o.lrScale as number;
  if (o.valFingerprint !== undefined) schedule.valFingerprint = typeof o.valFingerprint === 'string' ? o.valFingerprint : bad('valFingerprint', 'a string');
  if (o.best !== undefined) {
    const b = o.best as Record<string, unknown>;
    if (typeof b !== 'object' || b === null) bad('best', 'an object');
    if (!(typeof b.valBitsPerChar === 'number' && b.valBitsPerChar >= 0 && Number.isFinite(b.valBitsPerChar))) bad('best.valBitsPerChar', 'a number >= 0');
    if (!(typeof b.step === 'number' && Number.isInteger(b.step) && b.step >= 0 && b.step <= step)) bad('best.step', `a whole number up to 'step' (${step})`);
    if (!(typeof b.charsSeen === 'number' && b.charsSeen >= 0 && Number.isFinite(b.charsSeen))) bad('best.charsSeen', 'a number >= 0');
    if (b.loss !== undefined && !(typeof b.loss === 'number' && Number.isFinite(b.loss))) bad('best.loss', 'a number');
    schedule.best = { valBitsPerChar: b.valBitsPerChar as number, step: b.step as number, charsSeen: b.charsSeen as number };
    if (b.loss !== undefined) schedule.best.loss = b.loss as number;
  }
  return schedule;
}

/**
 * The schema of a checkpoint's `__metadata__` (checkpoint.ts): every value is a string, most of them
 * JSON, and a file may be damaged or hand-made, so each is checked for its type and range before any of
 * it is used. A value that does not fit is refused with one line that names the key and the field:
 *
 *   metadata 'config': 'hiddenSize' must be an integer from 16 to 1024, got the string "256"
 *
 * The schemas only check: callers keep the parsed JSON itself, so a re-encoded file is byte-identical.
 */
import * as v from 'valibot';
import { DIRECT_LIMITS } from '../model/direct-connections';
import { MODEL_LIMITS } from '../model/model';

type Fail = (problem: string) => never;

/** An integer from `min` to `max`. */
function whole(min: number, max: number) {
  const what = `an integer from ${min} to ${max}`;
  return v.pipe(v.number(what), v.integer(what), v.minValue(min, what), v.maxValue(max, what));
}

/** A finite number from `min` to `max`. */
function real(min: number, max: number, what = `a number from ${min} to ${max}`) {
  return v.pipe(v.number(what), v.finite(what), v.minValue(min, what), v.maxValue(max, what));
}

const count = whole(0, Number.MAX_SAFE_INTEGER);
const finite = v.pipe(v.number('a finite number'), v.finite('a finite number'));
const anyInteger = v.pipe(v.number('an integer'), v.integer('an integer'));
const anyNumber = v.number('a number');
const object = <T extends v.ObjectEntries>(entries: T) => v.object(entries, 'a JSON object');
const optional = <T extends v.GenericSchema>(schema: T) => v.optional(schema);

const configSchema = object({
  vocabSize: optional(whole(MODEL_LIMITS.vocabSize.min, MODEL_LIMITS.vocabSize.max)),
  hiddenSize: optional(whole(MODEL_LIMITS.hiddenSize.min, MODEL_LIMITS.hiddenSize.max)),
  layers: optional(whole(MODEL_LIMITS.layers.min, MODEL_LIMITS.layers.max)),
});

const directSchema = object({
  orders: whole(DIRECT_LIMITS.orders.min, DIRECT_LIMITS.orders.max),
  rowsPerOrder: whole(1, 2 ** 31 - 1),
  hash: v.string('a string'),
});

/** Types only: the ranges are validateTrainSettings' (training-state.ts), applied to the settings with their defaults. */
const settingsSchema = object({
  hiddenSize: optional(anyInteger),
  layers: optional(anyInteger),
  seqLength: optional(anyInteger),
  batchSize: optional(anyInteger),
  optimizer: optional(v.picklist(['adam', 'adagrad'], "'adam' or 'adagrad'")),
  learningRate: optional(anyNumber),
  clipMode: optional(v.picklist(['norm', 'value'], "'norm' or 'value'")),
  clip: optional(anyNumber),
  seed: optional(anyInteger),
  lineStartProb: optional(anyNumber),
  segmentChars: optional(anyInteger),
  valEverySteps: optional(anyInteger),
  valMaxChars: optional(anyInteger),
  patience: optional(anyInteger),
  historyEverySteps: optional(anyInteger),
  threads: optional(anyInteger),
  directOrders: optional(anyInteger),
  directMB: optional(anyNumber),
  directLearningRate: optional(anyNumber),
  directDecay: optional(anyNumber),
});

const optimizerSchema = object({
  name: v.picklist(['adam', 'adagrad'], "'adam' or 'adagrad'"),
  step: count,
});

/** A point of the metrics history; JSON writes a non-finite figure as null, which older runs may hold. */
const historySchema = v.array(
  object({
    step: count,
    charsSeen: real(0, Number.MAX_VALUE, 'a number >= 0'),
    loss: v.nullable(finite),
    valBitsPerChar: optional(v.nullable(finite)),
  }),
  'a JSON array',
);

const resumeSchema = object({
  rng: v.pipe(
    v.array(whole(0, 0xffffffff), 'an array of four unsigned 32-bit integers'),
    v.length(4, 'an array of four unsigned 32-bit integers'),
    v.check((words) => words.some((w) => w !== 0), 'not all zeros'),
  ),
  smoothLoss: finite,
  dataFingerprint: v.string('a string'),
});

const METADATA_SCHEMAS = {
  config: configSchema,
  direct: directSchema,
  settings: settingsSchema,
  optimizer: optimizerSchema,
  history: historySchema,
  resume: resumeSchema,
} as const;

export type MetadataKey = keyof typeof METADATA_SCHEMAS;
export type MetadataValue<K extends MetadataKey> = v.InferOutput<(typeof METADATA_SCHEMAS)[K]>;

/**
 * The JSON of metadata `key`, checked against its schema. Refuses, through `fail`, text that is not
 * JSON and a value of the wrong type or range, naming the field. Returns the parsed value itself.
 */
export function readMetadataJson<K extends MetadataKey>(key: K, text: string, fail: Fail): MetadataValue<K> {
  const value = parseMetadataJson(key, text, fail);
  const result = v.safeParse(METADATA_SCHEMAS[key], value, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    const field = v.getDotPath(issue);
    const where = field ? `metadata '${key}': '${field}'` : `metadata '${key}'`;
    fail(`${where} must be ${issue.message}, got ${describeJson(issue.input)}`);
  }
  return value as MetadataValue<K>;
}

export function parseMetadataJson(key: string, text: string, fail: Fail): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail(`metadata '${key}' is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * A metadata value that must be a whole number written in decimal ('12', not '12.0', '0x0c' or ' 12'),
 * up to Number.MAX_SAFE_INTEGER.
 */
export function readWholeNumber(key: string, text: string, fail: Fail): number {
  const value = Number(text);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(value)) fail(`metadata '${key}' must be a whole number, got '${shorten(text)}'`);
  return value;
}

/** A metadata value that must be a finite number >= 0 written in decimal. */
export function readNonNegativeNumber(key: string, text: string, fail: Fail): number {
  const value = Number(text);
  if (!/^[0-9][0-9.eE+-]*$/.test(text) || !Number.isFinite(value) || value < 0) fail(`metadata '${key}' must be a number >= 0, got '${shorten(text)}'`);
  return value;
}

/** A JSON value, briefly, for a message. */
function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${shorten(JSON.stringify(value))}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return shorten(String(value));
}

function shorten(text: string, max = 40): string {
  const line = text.replace(/[\r\n\t]/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max)}...`;
}

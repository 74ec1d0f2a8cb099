/**
 * Command-line parsing on Node's own `util.parseArgs`, with typed, range-checked numbers. Every user
 * error is a UsageError: the CLI prints its one line and exits with status 2.
 */
import { parseArgs, ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses with `util.parseArgs` (strict), then refuses what it lets through: a flag given twice (the
 * first value would be lost), an empty value (`--out=`) except for the flags in `allowEmpty`, and an
 * empty path. Node's errors become one line that says what to do.
 */
export function parse(args: string[], options: Options, allowPositionals: boolean, allowEmpty: readonly string[] = []): Parsed {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: Options; allowPositionals: boolean; strict: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(parseErrorMessage(err as Error & { code?: string }, args, options));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name) && !options[token.name]?.multiple) throw new UsageError(`--${token.name} is given more than once`);
    seen.add(token.name);
    if (token.value === '' && !allowEmpty.includes(token.name)) throw new UsageError(`--${token.name} needs a value, got an empty one`);
  }
  if (parsed.positionals.some((x) => x.trim() === '')) throw new UsageError('an empty path was given');
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

/** One line for each of parseArgs' errors, naming the flag and what is wrong with it. */
function parseErrorMessage(e: Error & { code?: string }, args: string[], options: Options): string {
  const first = e.message.split('\n')[0];
  const option = /'(-[^' ]+)/.exec(first)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (option === undefined) break;
      if (/does not take an argument/.test(first)) return `${option} takes no value`;
      if (/argument missing/.test(first)) return `${option} needs a value (nothing follows it)`;
      // 'ambiguous': the next argument starts with a dash: another flag (the value was forgotten), or a value
      const next = args[args.indexOf(option) + 1] ?? '';
      const nextName = /^--?([^=]*)/.exec(next)?.[1] ?? '';
      const isFlag = next.startsWith('--') || Object.hasOwn(options, nextName) || nextName === 'h';
      if (isFlag) return `${option} needs a value (it is followed by the flag ${next.split('=')[0]})`;
      return `${option} ${next}: write a value that starts with a dash as ${option}=${next}`;
    }
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      if (option !== undefined) return `unknown flag ${option} (--help lists the flags)`;
      break;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']*)'/.exec(first)?.[1];
      if (arg !== undefined) return `unexpected argument '${arg}': this command takes no paths`;
      break;
    }
  }
  // Node's messages are clear but long; keep the first sentence of the first line
  return first.split('. ')[0].replace(/\.$/, '');
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requireStr(p: Parsed, name: string): string {
  const v = str(p, name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

/** A plain decimal number: '12', '-1.5', '.5', '1e3'; not '0x10', 'Infinity', '12abc' or ' 12'. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function num(p: Parsed, name: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const kind = opts.integer ? 'a whole number' : 'a number';
  if (!DECIMAL.test(raw) || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) throw new UsageError(`--${name} must be ${kind}, got '${raw}'`);
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name} must be at least ${opts.min}, got ${raw}`);
  if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name} must be at most ${opts.max}, got ${raw}`);
  return v;
}

export function list(p: Parsed, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

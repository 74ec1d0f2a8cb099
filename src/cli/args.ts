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

export function parse(args: string[], options: Options, allowPositionals: boolean): Parsed {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    const e = err as Error & { code?: string };
    // Node's messages are clear but long; keep the first sentence of the first line
    const first = e.message.split('\n')[0].split('. ')[0].replace(/\.$/, '');
    throw new UsageError(/ambiguous/.test(first) ? `${first} (write a negative number as --name=-1)` : first);
  }
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requireStr(p: Parsed, name: string): string {
  const v = str(p, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function num(p: Parsed, name: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const kind = opts.integer ? 'a whole number' : 'a number';
  if (raw.trim() === '' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) throw new UsageError(`--${name} must be ${kind}, got '${raw}'`);
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

/**
 * The corpus reader: walks the user's folders (or single files) and returns the text files to learn from,
 * with every skipped path and the reason it was skipped.
 *
 * Order of the checks for a file found in a folder (the first one that applies wins):
 *   1. ignore rules: `extraIgnore`, then the `.gitignore` files (nested, deepest wins) and `.git/info/exclude`
 *   2. names (with `useDefaultExcludes`): lock files, minified names and source maps, binary-ish extensions
 *   3. size from `stat`, before any read: the per-file cap, then what is left of the corpus cap
 *   4. content: binary sniffing, decoding (UTF-8, UTF-16 with a BOM), empty, minified
 * Folders are checked against the ignore rules, then the default excluded folder names; a skipped folder is
 * reported once and never listed. Every entry met is used or reported: folder symlinks are never followed
 * ('folder-link'), FIFOs, sockets and devices never opened ('special-file'); a file symlink is read when it
 * leads to a file inside the folders given (else 'outside-roots', unless `readOutsideRoots`), after the
 * walk, so that the file itself, found under its own name, comes first. Each real file (device + inode)
 * is read at most once: a second path to it is a 'duplicate'.
 *
 * Memory stays bounded by the caps: a file is read with a limit of min(per-file cap, corpus budget left),
 * so at most `maxCorpusBytes` of accepted text plus one file are ever held.
 *
 * This module is the entry (readCorpus, its options and types); the rest lives beside it: types.ts (the
 * shared types), walk.ts (the walk), ignore-rules.ts, name-rules.ts, decode.ts (reading and sniffing a
 * file), report.ts (the corpus in words) and split.ts (the validation split).
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { countCodePoints } from './decode';
import { globMatcher, newMatcher } from './ignore-rules';
import { assignSplits } from './split';
import type { Corpus, CorpusOptions, Root, ValidatedOptions } from './types';
import { CorpusWalker, errorCode, isMissing, throwIfAborted } from './walk';


export { splitOf } from './split';
export type { SplitSummary } from './split';
export type { Corpus, CorpusFile, CorpusOptions, SkippedEntry, SkipReason } from './types';
export { formatCorpusReport, summarizeSkipped } from './report';

const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
const DEFAULT_MAX_CORPUS_BYTES = 50 * 1024 * 1024;
const DEFAULT_VAL_FRACTION = 0.05;
export const MAX_VAL_FRACTION = 0.5;

/**
 * Reads the text files under `paths` (folders or single files) into a corpus split into train and val files.
 * Throws `Error('path not found: <p>')` for a missing path, an Error for invalid options, and an Error named
 * 'AbortError' when `options.signal` aborts. Unreadable files and folders are reported, never thrown.
 */
export async function readCorpus(paths: string[], options: CorpusOptions = {}): Promise<Corpus> {
  const validated = validateOptions(options);
  throwIfAborted(validated.signal);

  const rootPaths: string[] = [];
  const rootStats: Stats[] = [];
  for (const given of paths) {
    const absPath = path.resolve(given);
    let stats: Stats;
    try {
      stats = await fsp.stat(absPath);
    } catch (error) {
      if (isMissing(error)) throw new Error(`path not found: ${given}`);
      throw new Error(`cannot access ${given}: ${errorCode(error)}`);
    }
    if (rootPaths.includes(absPath)) continue;
    rootPaths.push(absPath);
    rootStats.push(stats);
  }

  const walker = new CorpusWalker(validated);
  for (let i = 0; i < rootPaths.length; i++) {
    if (rootStats[i].isDirectory()) walker.rootFolders.push(await fsp.realpath(rootPaths[i]).catch(() => rootPaths[i]));
  }
  const severalRoots = rootPaths.length > 1;
  const labels = new Set<string>();
  for (let i = 0; i < rootPaths.length; i++) {
    const absPath = rootPaths[i];
    const label = severalRoots ? path.basename(absPath) || 'root' : '';
    if (labels.has(label)) walker.warnings.push(`two roots are both named "${label}": their relative paths may collide`);
    labels.add(label);
    const root: Root = { absPath, label, extraMatcher: undefined };
    const stats = rootStats[i];
    if (stats.isDirectory()) {
      if (validated.extraIgnore.length > 0) {
        root.extraMatcher = newMatcher().add(validated.extraIgnore.map((pattern) => ({ pattern, mark: `"${pattern}" in the extra exclude patterns` })));
      }
      await walker.walkRoot(root);
    } else {
      await walker.walkRootFile(root, stats);
    }
  }
  await walker.walkLinks();
  walker.finishProgress();

  const chars = walker.files.map((file) => countCodePoints(file.text));
  const split = assignSplits(walker.files, validated.valFraction, chars);
  let totalBytes = 0;
  for (const file of walker.files) totalBytes += file.bytes;
  return { roots: rootPaths, files: walker.files, skipped: walker.skipped, totalBytes, totalChars: split.totalChars, split, warnings: walker.warnings };
}

function validateOptions(options: CorpusOptions): ValidatedOptions {
  const valFraction = options.valFraction ?? DEFAULT_VAL_FRACTION;
  if (typeof valFraction !== 'number' || !(valFraction >= 0 && valFraction <= MAX_VAL_FRACTION)) {
    throw new Error(`valFraction must be a number in [0, ${MAX_VAL_FRACTION}], got ${String(valFraction)}`);
  }
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxCorpusBytes = options.maxCorpusBytes ?? DEFAULT_MAX_CORPUS_BYTES;
  for (const [name, value] of [['maxFileBytes', maxFileBytes], ['maxCorpusBytes', maxCorpusBytes]] as const) {
    if (typeof value !== 'number' || !(value >= 0)) throw new Error(`${name} must be a number >= 0, got ${String(value)}`);
  }
  return {
    maxFileBytes,
    maxCorpusBytes,
    valFraction,
    extraIgnore: options.extraIgnore ?? [],
    excludeGlob: globMatcher(options.excludeGlobs),
    includeGlob: globMatcher(options.includeGlobs),
    useDefaultExcludes: options.useDefaultExcludes ?? true,
    readOutsideRoots: options.readOutsideRoots ?? false,
    signal: options.signal,
    onProgress: options.onProgress,
  };
}

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
 */
import { classifyName } from './name-rules';
import picomatch from 'picomatch';
import { constants as fsConstants, promises as fsp, type Dirent, type Stats } from 'node:fs';
import * as path from 'node:path';
import ignore from 'ignore';
import { assignSplits, SplitSummary } from './split';
import { fileKind, FileReadError, formatBytes, readRegularFile } from '../common/read-file';

export { formatBytes } from '../common/read-file';

export { splitOf } from './split';
export type { SplitSummary } from './split';

/** Why a path was left out of the corpus. */
export type SkipReason =
  | 'ignored'
  | 'default-exclude'
  | 'lock-file'
  | 'binary'
  | 'minified'
  | 'too-large'
  | 'corpus-cap'
  | 'unreadable'
  | 'empty'
  | 'not-text-extension'
  | 'not-included'
  /** a symbolic link to a folder: never followed (it may loop, or lead anywhere) */
  | 'folder-link'
  /** a FIFO, socket or device (or a link to one): never opened, a read could block forever or never end */
  | 'special-file'
  /** the same file as one already read (a link to it, a hard link, a root given twice) */
  | 'duplicate'
  /** a link that leads outside the folders given (unless `readOutsideRoots`) */
  | 'outside-roots';

/** Options of {@link readCorpus}; every field is optional. */
export interface CorpusOptions {
  /** Files larger than this (from `stat`, before reading) are skipped as 'too-large'. Default 1 MiB. */
  maxFileBytes?: number;
  /** Total bytes of accepted files; a file that does not fit what is left is skipped as 'corpus-cap'. Default 50 MiB. */
  maxCorpusBytes?: number;
  /**
   * Fraction of the characters held out for validation, in [0, 0.5], by whole groups of files: a folder
   * and the near-duplicates of its files in other folders (split.ts). Default 0.05.
   */
  valFraction?: number;
  /** Extra gitignore-syntax patterns, relative to each root folder. A `.gitignore` cannot re-include what they exclude. */
  extraIgnore?: string[];
  /**
   * Glob patterns (VS Code's syntax: `**`, `*`, `{a,b}`), relative to each root, of files and folders to
   * leave out, as `files.exclude` and `search.exclude` give them. Checked before the ignore files.
   */
  excludeGlobs?: string[];
  /** When not empty, only files matching one of these globs (relative to each root) are read. */
  includeGlobs?: string[];
  /** Skip dependency/build folders, lock files, minified files and binary-ish extensions. Default true. */
  useDefaultExcludes?: boolean;
  /**
   * Read files that a symbolic link inside the folders given leads to outside them. Default false: such
   * links are skipped as 'outside-roots'. (Links to folders are never followed either way.)
   */
  readOutsideRoots?: boolean;
  /** Cancels the walk: {@link readCorpus} rejects with an Error named 'AbortError'. */
  signal?: AbortSignal;
  /** Called every 100 files seen, and once at the end of the walk. */
  onProgress?: (progress: { filesSeen: number; bytesAccepted: number }) => void;
}

/** One accepted file. */
export interface CorpusFile {
  /** Absolute path. */
  path: string;
  /**
   * Posix path relative to its root, prefixed by the root's basename + '/' when several roots are given.
   * A file given directly as a root is named by its basename.
   */
  relPath: string;
  /** Decoded content, line endings normalised to '\n'. */
  text: string;
  /** Size of the file on disk. */
  bytes: number;
  split: 'train' | 'val';
}

/** One path left out of the corpus. */
export interface SkippedEntry {
  path: string;
  relPath: string;
  reason: SkipReason;
  /** A human sentence, e.g. 'NUL byte at offset 12' or '3.2 MB > 1 MB per-file cap'. */
  detail: string;
  isDirectory: boolean;
}

/** The result of {@link readCorpus}. */
export interface Corpus {
  /** The absolute paths walked, in the order given (duplicates removed). */
  roots: string[];
  /** Accepted files in walk order. */
  files: CorpusFile[];
  skipped: SkippedEntry[];
  /** Sum of the accepted files' bytes. */
  totalBytes: number;
  /** Sum of the accepted texts' lengths in Unicode code points. */
  totalChars: number;
  /** How the files were split into training and validation (split.ts). */
  split: SplitSummary;
  warnings: string[];
}

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_CORPUS_BYTES = 50 * 1024 * 1024;
export const DEFAULT_VAL_FRACTION = 0.05;
export const MAX_VAL_FRACTION = 0.5;

/** Bytes (or UTF-16 code units) looked at by the binary sniffer. */
const SNIFF_LENGTH = 8000;
/** More than this fraction of control characters in the sniffed prefix makes a file binary. */
const MAX_CONTROL_FRACTION = 0.1;
/** Minified detection only applies to files of at least this many bytes. */
const MINIFIED_MIN_BYTES = 4096;
const MINIFIED_MAX_AVERAGE_LINE = 250;
const MINIFIED_MAX_LINE = 5000;
const PROGRESS_EVERY_FILES = 100;
/** An ignore file larger than this is not read (its rules are not applied, with a warning). */
const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

const DEFAULT_EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  'node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'out', 'target', 'coverage', '.next', '.nuxt', '.cache',
  '__pycache__', '.venv', 'venv', '.tox', '.idea', '.vs', 'vendor', '.gradle', 'bower_components',
]);

/** Opening never waits for a FIFO's writer (the handle is checked before any read); 0 where there is no such flag. */
const OPEN_NONBLOCKING = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

/** Git matches case-insensitively where the file system usually is case-insensitive. */
const IGNORE_CASE = process.platform === 'win32' || process.platform === 'darwin';

type Matcher = ReturnType<typeof ignore>;

/** A root as walked: a folder, or a file given directly. */
interface Root {
  absPath: string;
  /** '' with a single root, else the root's basename. */
  label: string;
  /** Patterns of `extraIgnore`, relative to this root (undefined when there are none). */
  extraMatcher: Matcher | undefined;
}

interface ValidatedOptions {
  maxFileBytes: number;
  maxCorpusBytes: number;
  valFraction: number;
  extraIgnore: readonly string[];
  excludeGlob: ((relPath: string) => boolean) | undefined;
  includeGlob: ((relPath: string) => boolean) | undefined;
  useDefaultExcludes: boolean;
  readOutsideRoots: boolean;
  signal: AbortSignal | undefined;
  onProgress: CorpusOptions['onProgress'];
}

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

/**
 * A multi-line human report of a corpus: file and byte counts, the train/val split, the skipped paths grouped
 * by reason with up to `maxListed` examples each, and the warnings (up to `maxListed` as well).
 */
export function formatCorpusReport(corpus: Corpus, maxListed = 5): string {
  const valCount = corpus.files.filter((file) => file.split === 'val').length;
  const lines: string[] = [
    `Corpus: ${plural(corpus.files.length, 'file')}, ${formatBytes(corpus.totalBytes)}, ` +
      `${plural(corpus.totalChars, 'character')} from ${plural(corpus.roots.length, 'root')}`,
  ];
  for (const root of corpus.roots) lines.push(`  root: ${root}`);
  lines.push(`Split: ${corpus.files.length - valCount} train, ${valCount} val${describeSplit(corpus.split)}`);

  const byReason = new Map<SkipReason, SkippedEntry[]>();
  for (const entry of corpus.skipped) {
    const group = byReason.get(entry.reason);
    if (group) group.push(entry);
    else byReason.set(entry.reason, [entry]);
  }
  lines.push(`Skipped: ${corpus.skipped.length}`);
  const reasons = [...byReason.keys()].sort((a, b) => byReason.get(b)!.length - byReason.get(a)!.length || compareStrings(a, b));
  for (const reason of reasons) {
    const group = byReason.get(reason)!;
    lines.push(`  ${reason} (${group.length}):`);
    for (const entry of group.slice(0, Math.max(0, maxListed))) {
      lines.push(`    ${entry.relPath}${entry.isDirectory ? '/' : ''}: ${entry.detail}`);
    }
    if (group.length > maxListed) lines.push(`    ... and ${group.length - Math.max(0, maxListed)} more`);
  }
  if (corpus.warnings.length > 0) {
    lines.push(`Warnings: ${corpus.warnings.length}`);
    for (const warning of corpus.warnings.slice(0, Math.max(0, maxListed))) lines.push(`  ${warning}`);
    if (corpus.warnings.length > maxListed) lines.push(`  ... and ${corpus.warnings.length - Math.max(0, maxListed)} more`);
  }
  return lines.join('\n');
}

/**
 * Why nothing (or little) was used, in one line: the skipped paths counted by reason, with the first of
 * each and its detail, e.g. '3 paths skipped: 2 binary (first: a.bin, NUL byte at offset 0), 1 special-file
 * (first: pipe, a FIFO (named pipe): never opened)'.
 */
export function summarizeSkipped(corpus: Corpus, maxReasons = 4): string {
  if (corpus.skipped.length === 0) return `nothing was found under ${corpus.roots.join(', ')}`;
  const byReason = new Map<SkipReason, SkippedEntry[]>();
  for (const entry of corpus.skipped) byReason.set(entry.reason, [...(byReason.get(entry.reason) ?? []), entry]);
  const groups = [...byReason.entries()].sort((a, b) => b[1].length - a[1].length || compareStrings(a[0], b[0]));
  const parts = groups.slice(0, maxReasons).map(([reason, entries]) => `${entries.length} ${reason} (first: ${entries[0].relPath}${entries[0].isDirectory ? '/' : ''}, ${entries[0].detail})`);
  if (groups.length > maxReasons) parts.push(`${groups.length - maxReasons} more reasons`);
  return `${plural(corpus.skipped.length, 'path')} skipped: ${parts.join(', ')}`;
}

/** The split line's details: the share held out and how the groups were formed. */
function describeSplit(split: SplitSummary | undefined): string {
  if (!split || split.valGroups === 0) return '';
  const percent = split.totalChars > 0 ? (100 * split.valChars) / split.totalChars : 0;
  const unit = split.unit === 'folder' ? 'folder' : 'file (the folders are too coarse)';
  const joined = split.nearDuplicateFiles > 0 ? `; ${plural(split.nearDuplicateFiles, 'file')} joined to near-copies elsewhere` : '';
  return ` (${percent.toFixed(1)}% of the characters held out, by ${unit} and near-duplicate group: ${split.valGroups} of ${plural(split.groups, 'group')}${joined})`;
}

/** The walk's state: what was accepted, skipped and warned about, and the corpus budget used. */
class CorpusWalker {
  readonly files: CorpusFile[] = [];
  readonly skipped: SkippedEntry[] = [];
  readonly warnings: string[] = [];
  private bytesAccepted = 0;
  private filesSeen = 0;
  private lastReportedFilesSeen = -1;
  private corpusCapHits = 0;
  /** The real paths of the root folders: a file link must lead inside one of them. */
  readonly rootFolders: string[] = [];
  /** The files already considered, by identity (device and inode, or real path), and the path each was met by. */
  private readonly seenFiles = new Map<string, string>();
  /** File links met in the walk, considered after it (the files under their own names come first). */
  private readonly links: { absPath: string; relPath: string; name: string }[] = [];

  constructor(private readonly options: ValidatedOptions) {}

  /** Walks a root folder, starting with the rules of its `.git/info/exclude`. */
  async walkRoot(root: Root): Promise<void> {
    let matcher = newMatcher();
    const excludePath = path.join(root.absPath, '.git', 'info', 'exclude');
    const excludeText = await this.readIgnoreFile(excludePath, '.git/info/exclude');
    if (excludeText !== undefined) matcher = matcher.add(parseIgnoreFile(excludeText, '', '.git/info/exclude'));
    await this.walkDirectory(root, root.absPath, '', matcher);
  }

  /** A file given directly: no ignore rules, every other check. */
  async walkRootFile(root: Root, stats: Stats): Promise<void> {
    const name = path.basename(root.absPath); // also its relPath, with one root or several
    this.countFile();
    if (!stats.isFile()) {
      this.skip(root.absPath, name, 'special-file', `${fileKind(stats)}: never opened`, false);
      return;
    }
    await this.considerFile(root.absPath, name, name, stats);
  }

  /** The file links met in the walk: each is read when it leads inside the root folders to a file not read yet. */
  async walkLinks(): Promise<void> {
    for (const link of this.links) {
      throwIfAborted(this.options.signal);
      let real: string;
      try {
        real = await fsp.realpath(link.absPath);
      } catch (error) {
        this.skip(link.absPath, link.relPath, 'unreadable', `cannot resolve the link (${errorCode(error)})`, false);
        continue;
      }
      if (!this.options.readOutsideRoots && !this.rootFolders.some((root) => isInside(real, root))) {
        this.skip(link.absPath, link.relPath, 'outside-roots', `a link to ${real}, outside the folders given`, false);
        continue;
      }
      await this.considerFile(link.absPath, link.relPath, link.name, undefined);
    }
    this.links.length = 0;
  }

  /** Emits the final progress report, unless the last one already had the final count. */
  finishProgress(): void {
    if (this.lastReportedFilesSeen !== this.filesSeen) this.reportProgress();
    if (this.corpusCapHits > 0) {
      this.warnings.push(
        `the corpus cap of ${formatBytes(this.options.maxCorpusBytes)} was reached: ${plural(this.corpusCapHits, 'file')} left out`,
      );
    }
  }

  /**
   * Lists one folder in name order and handles each entry. `relDir` is relative to the root (posix, '' for the
   * root itself); `matcher` holds the ignore rules of the folders above, relative to the root.
   */
  private async walkDirectory(root: Root, absDir: string, relDir: string, inherited: Matcher): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(absDir, { withFileTypes: true });
    } catch (error) {
      this.skip(absDir, reportPath(root, relDir), 'unreadable', `cannot list folder (${errorCode(error)})`, true);
      return;
    }
    entries.sort((a, b) => compareStrings(a.name, b.name));

    let matcher = inherited;
    if (entries.some((entry) => entry.name === '.gitignore' && !entry.isDirectory())) {
      const source = relDir ? `${relDir}/.gitignore` : '.gitignore';
      const text = await this.readIgnoreFile(path.join(absDir, '.gitignore'), source);
      if (text !== undefined) matcher = newMatcher().add(inherited).add(parseIgnoreFile(text, relDir, source));
    }

    for (const entry of entries) {
      throwIfAborted(this.options.signal);
      const absPath = path.join(absDir, entry.name);
      const relPath = relDir ? `${relDir}/${entry.name}` : entry.name;
      const shownPath = reportPath(root, relPath);

      if (entry.isSymbolicLink() || (!entry.isDirectory() && !entry.isFile())) {
        await this.considerOther(root, absPath, relPath, shownPath, entry, matcher);
        continue;
      }

      if (entry.isDirectory()) {
        const ignoredBy = this.excludedByGlob(relPath) ?? matchIgnore(root, matcher, `${relPath}/`);
        if (ignoredBy !== undefined) {
          this.skip(absPath, shownPath, 'ignored', ignoredBy, true);
        } else if (this.options.useDefaultExcludes && DEFAULT_EXCLUDED_DIRS.has(entry.name)) {
          this.skip(absPath, shownPath, 'default-exclude', `"${entry.name}" folders are excluded by default`, true);
        } else {
          await this.walkDirectory(root, absPath, relPath, matcher);
        }
        continue;
      }

      this.countFile();
      if (this.skippedByRules(root, matcher, absPath, relPath, shownPath)) continue;
      await this.considerFile(absPath, shownPath, entry.name, undefined);
    }
  }

  /** Reports a file left out by the ignore rules or the include patterns; false when it is not. */
  private skippedByRules(root: Root, matcher: Matcher, absPath: string, relPath: string, shownPath: string): boolean {
    const ignoredBy = this.excludedByGlob(relPath) ?? matchIgnore(root, matcher, relPath);
    if (ignoredBy !== undefined) {
      this.skip(absPath, shownPath, 'ignored', ignoredBy, false);
      return true;
    }
    if (this.options.includeGlob && !this.options.includeGlob(relPath)) {
      this.skip(absPath, shownPath, 'not-included', 'matches none of the include patterns', false);
      return true;
    }
    return false;
  }

  /**
   * A symbolic link, FIFO, socket or device: the rules apply as to a file (git sees a link as one); then
   * a link to a file is read after the walk, and every other entry is reported: a folder link is never
   * followed, and nothing that is not a regular file is ever opened.
   */
  private async considerOther(root: Root, absPath: string, relPath: string, shownPath: string, entry: Dirent, matcher: Matcher): Promise<void> {
    this.countFile();
    let target: Stats | undefined;
    let problem: string | undefined;
    if (entry.isSymbolicLink()) {
      try {
        target = await fsp.stat(absPath);
      } catch (error) {
        problem = errorCode(error);
      }
    }
    const linkToFolder = target?.isDirectory() === true;
    if (linkToFolder) {
      const ignoredBy = this.excludedByGlob(relPath) ?? matchIgnore(root, matcher, relPath) ?? matchIgnore(root, matcher, `${relPath}/`);
      if (ignoredBy !== undefined) return this.skip(absPath, shownPath, 'ignored', ignoredBy, true);
      if (this.options.useDefaultExcludes && DEFAULT_EXCLUDED_DIRS.has(entry.name)) {
        return this.skip(absPath, shownPath, 'default-exclude', `"${entry.name}" folders are excluded by default`, true);
      }
      const to = await fsp.readlink(absPath).catch(() => '?');
      return this.skip(absPath, shownPath, 'folder-link', `a link to the folder ${to}: folder links are not followed`, true);
    }
    if (this.skippedByRules(root, matcher, absPath, relPath, shownPath)) return;
    if (!entry.isSymbolicLink()) return this.skip(absPath, shownPath, 'special-file', `${direntKind(entry)}: never opened`, false);
    if (target === undefined) return this.skip(absPath, shownPath, 'unreadable', `broken symbolic link (${problem})`, false);
    if (!target.isFile()) return this.skip(absPath, shownPath, 'special-file', `a link to ${fileKind(target)}: never opened`, false);
    this.links.push({ absPath, relPath: shownPath, name: entry.name });
  }

  private excludedByGlob(relPath: string): string | undefined {
    return this.options.excludeGlob?.(relPath) ? 'matched an exclude pattern of the settings' : undefined;
  }

  /** Name, size and content checks of one file, then accepts it. `stats` is fetched when not given. */
  private async considerFile(absPath: string, relPath: string, name: string, knownStats: Stats | undefined): Promise<void> {
    if (this.options.useDefaultExcludes) {
      const byName = classifyName(name);
      if (byName) {
        this.skip(absPath, relPath, byName.reason, byName.detail, false);
        return;
      }
    }

    let stats = knownStats;
    if (!stats) {
      try {
        stats = await fsp.stat(absPath);
      } catch (error) {
        this.skip(absPath, relPath, 'unreadable', `cannot stat file (${errorCode(error)})`, false);
        return;
      }
    }
    if (!stats.isFile()) {
      this.skip(absPath, relPath, 'special-file', `${fileKind(stats)}: never opened`, false);
      return;
    }
    const identity = stats.ino !== 0 ? `${stats.dev}:${stats.ino}` : await fsp.realpath(absPath).catch(() => absPath);
    const first = this.seenFiles.get(identity);
    if (first !== undefined) {
      this.skip(absPath, relPath, 'duplicate', `the same file as ${first}, read once`, false);
      return;
    }
    this.seenFiles.set(identity, relPath);
    const { maxFileBytes, maxCorpusBytes } = this.options;
    if (stats.size > maxFileBytes) {
      this.skip(absPath, relPath, 'too-large', `${formatBytes(stats.size)} > ${formatBytes(maxFileBytes)} per-file cap`, false);
      return;
    }
    const budget = maxCorpusBytes - this.bytesAccepted;
    if (stats.size > budget) {
      this.skipForCorpusCap(absPath, relPath, stats.size, budget);
      return;
    }
    if (stats.size === 0) {
      this.skip(absPath, relPath, 'empty', 'the file is empty (0 bytes)', false);
      return;
    }

    let buffer: Buffer;
    try {
      const limit = Math.min(maxFileBytes, budget);
      const read = await readBounded(absPath, stats.size, limit);
      if (read.length > limit) {
        // The file grew between stat and read.
        if (read.length > maxFileBytes) {
          this.skip(absPath, relPath, 'too-large', `more than ${formatBytes(maxFileBytes)} per-file cap (it grew while being read)`, false);
        } else {
          this.skipForCorpusCap(absPath, relPath, read.length, budget);
        }
        return;
      }
      buffer = read;
    } catch (error) {
      this.skip(absPath, relPath, 'unreadable', `cannot read file (${errorCode(error)})`, false);
      return;
    }

    const decoded = decodeContent(buffer);
    if (decoded.binaryReason !== undefined) {
      this.skip(absPath, relPath, 'binary', decoded.binaryReason, false);
      return;
    }
    if (decoded.invalidEncoding !== undefined) {
      this.warnings.push(`${relPath}: not valid ${decoded.invalidEncoding}, decoded with replacement characters`);
    }
    const text = normaliseLineEndings(decoded.text);
    if (text.trim() === '') {
      this.skip(absPath, relPath, 'empty', 'the file holds only whitespace', false);
      return;
    }
    const minified = detectMinified(text, buffer.length);
    if (minified !== undefined) {
      this.skip(absPath, relPath, 'minified', minified, false);
      return;
    }

    this.files.push({ path: absPath, relPath, text, bytes: buffer.length, split: 'train' });
    this.bytesAccepted += buffer.length;
  }

  /** Reads a `.gitignore`-syntax file; undefined when it does not exist (a warning when it cannot be read). */
  private async readIgnoreFile(absPath: string, source: string): Promise<string | undefined> {
    try {
      return (await readRegularFile(absPath, MAX_IGNORE_FILE_BYTES)).toString('utf8');
    } catch (error) {
      const code = errorCode(error);
      if (!isMissing(error) && code !== 'EISDIR') {
        const why = error instanceof FileReadError ? error.reason : code;
        this.warnings.push(`${source}: cannot read ignore rules (${why}), they are not applied`);
      }
      return undefined;
    }
  }

  private skipForCorpusCap(absPath: string, relPath: string, size: number, budget: number): void {
    this.corpusCapHits++;
    const detail = `${formatBytes(size)} > ${formatBytes(Math.max(0, budget))} left of the ${formatBytes(this.options.maxCorpusBytes)} corpus cap`;
    this.skip(absPath, relPath, 'corpus-cap', detail, false);
  }

  private skip(absPath: string, relPath: string, reason: SkipReason, detail: string, isDirectory: boolean): void {
    this.skipped.push({ path: absPath, relPath, reason, detail, isDirectory });
  }

  private countFile(): void {
    this.filesSeen++;
    if (this.filesSeen % PROGRESS_EVERY_FILES === 0) this.reportProgress();
  }

  private reportProgress(): void {
    this.lastReportedFilesSeen = this.filesSeen;
    this.options.onProgress?.({ filesSeen: this.filesSeen, bytesAccepted: this.bytesAccepted });
  }
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

/** One predicate for a list of VS Code globs, or undefined for an empty list. */
function globMatcher(globs: string[] | undefined): ((relPath: string) => boolean) | undefined {
  const list = (globs ?? []).filter((g) => g.trim() !== '');
  if (list.length === 0) return undefined;
  return picomatch(list, { dot: true, nocase: IGNORE_CASE });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const error = new Error('corpus walk cancelled');
    error.name = 'AbortError';
    throw error;
  }
}

function newMatcher(): Matcher {
  return ignore({ ignorecase: IGNORE_CASE });
}

/**
 * Why `relPath` (relative to the root, '/'-terminated for a folder) is ignored, or undefined. The extra patterns
 * come first: a `.gitignore` negation cannot re-include what they exclude.
 */
function matchIgnore(root: Root, matcher: Matcher, relPath: string): string | undefined {
  const extra = root.extraMatcher?.test(relPath);
  if (extra?.ignored) return `matched ${extra.rule?.mark ?? 'an extra exclude pattern'}`;
  const result = matcher.test(relPath);
  if (result.ignored) return `matched ${result.rule?.mark ?? 'an ignore rule'}`;
  return undefined;
}

/**
 * The rules of one gitignore-syntax file in `relDir` (posix, relative to the root; '' for the root), rewritten
 * relative to the root so that one matcher holds the rules of every level. Later rules win, so a nested
 * `.gitignore` (added after its parents) overrides them, as in git.
 */
function parseIgnoreFile(text: string, relDir: string, source: string): { pattern: string; mark: string }[] {
  const rules: { pattern: string; mark: string }[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '').replace(/(?<!\\) +$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const pattern = scopePattern(line, relDir);
    if (pattern !== undefined) rules.push({ pattern, mark: `"${line}" in ${source}` });
  }
  return rules;
}

/**
 * A gitignore pattern of the folder `relDir`, rewritten relative to the root. A pattern with a slash before its
 * end is anchored to its folder (`dir/pattern`); one without matches at any depth below it (`dir/**\/pattern`).
 */
function scopePattern(line: string, relDir: string): string | undefined {
  if (relDir === '') return line;
  const negative = line.startsWith('!');
  let body = negative ? line.slice(1) : line;
  const directoryOnly = body.endsWith('/');
  if (directoryOnly) body = body.slice(0, -1);
  const anchored = body.includes('/');
  if (body.startsWith('/')) body = body.slice(1);
  if (body === '') return undefined;
  const prefix = relDir.replace(/[\\*?[\]!#]/g, '\\$&') + (anchored ? '/' : '/**/');
  return `${negative ? '!' : ''}${prefix}${body}${directoryOnly ? '/' : ''}`;
}

/** Reads at most `limit + 1` bytes, so that a file which grew past `limit` since its stat is detected, not loaded. */
async function readBounded(absPath: string, expectedSize: number, limit: number): Promise<Buffer> {
  const handle = await fsp.open(absPath, OPEN_NONBLOCKING);
  try {
    // the path may have become a FIFO or a device since its stat: such a handle is never read
    const stats = await handle.stat();
    if (!stats.isFile()) throw Object.assign(new Error(`it is now ${fileKind(stats)}`), { code: 'not a regular file' });
    const chunks: Buffer[] = [];
    let total = 0;
    let chunkSize = expectedSize + 1;
    while (total <= limit) {
      const want = Math.min(chunkSize, limit + 1 - total);
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(chunk, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? chunk : chunk.subarray(0, bytesRead));
      total += bytesRead;
      chunkSize = 64 * 1024;
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

interface DecodedContent {
  text: string;
  /** Set when the content looks binary; `text` is then ''. */
  binaryReason?: string;
  /** 'UTF-8' or 'UTF-16' when the bytes were not valid in that encoding. */
  invalidEncoding?: string;
}

/** Sniffs for binary content, then decodes: UTF-16 when a UTF-16 BOM is present, else UTF-8 (BOM stripped). */
function decodeContent(buffer: Buffer): DecodedContent {
  if (buffer.length >= 2 && ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff))) {
    const littleEndian = buffer[0] === 0xff;
    let body = buffer.subarray(2);
    const oddByte = body.length % 2 === 1;
    if (oddByte) body = body.subarray(0, body.length - 1);
    if (!littleEndian) body = Buffer.from(body).swap16();
    const { text, valid } = decode(body, 'utf-16le');
    const binaryReason = sniffControlCharacters(text);
    if (binaryReason !== undefined) return { text: '', binaryReason: `${binaryReason} (after UTF-16 decoding)` };
    return valid && !oddByte ? { text } : { text: oddByte ? `${text}\ufffd` : text, invalidEncoding: 'UTF-16' };
  }
  const binaryReason = sniffBytes(buffer);
  if (binaryReason !== undefined) return { text: '', binaryReason };
  const hasBom = buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  const { text, valid } = decode(hasBom ? buffer.subarray(3) : buffer, 'utf-8');
  return valid ? { text } : { text, invalidEncoding: 'UTF-8' };
}

/** Decodes with replacement characters; `valid` is false when some bytes were replaced. */
function decode(bytes: Uint8Array, encoding: 'utf-8' | 'utf-16le'): { text: string; valid: boolean } {
  const text = new TextDecoder(encoding, { fatal: false, ignoreBOM: true }).decode(bytes);
  if (!text.includes('\ufffd')) return { text, valid: true };
  // U+FFFD may also be in the file itself: only a strict decode tells.
  try {
    new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text, valid: true };
  } catch {
    return { text, valid: false };
  }
}

/** A control character that text files do not hold: C0 controls other than \t \n \v \f \r and ESC, and DEL. */
function isSuspiciousControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0b && code !== 0x0c && code !== 0x0d && code !== 0x1b) || code === 0x7f;
}

/** Why the first bytes look binary (a NUL byte, or too many control characters), or undefined. */
function sniffBytes(buffer: Uint8Array): string | undefined {
  const length = Math.min(buffer.length, SNIFF_LENGTH);
  let controls = 0;
  for (let i = 0; i < length; i++) {
    const byte = buffer[i];
    if (byte === 0) return `NUL byte at offset ${i}`;
    if (isSuspiciousControl(byte)) controls++;
  }
  return controlVerdict(controls, length, 'bytes');
}

/** The same sniffing on decoded UTF-16 text, by code unit. */
function sniffControlCharacters(text: string): string | undefined {
  const length = Math.min(text.length, SNIFF_LENGTH);
  let controls = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return `NUL character at index ${i}`;
    if (isSuspiciousControl(code)) controls++;
  }
  return controlVerdict(controls, length, 'characters');
}

function controlVerdict(controls: number, length: number, unit: string): string | undefined {
  if (length === 0 || controls / length <= MAX_CONTROL_FRACTION) return undefined;
  const percent = ((100 * controls) / length).toFixed(1);
  return `${percent}% of the first ${length} ${unit} are control characters (more than ${100 * MAX_CONTROL_FRACTION}%)`;
}

/** Why a text looks minified (very long lines in a file of at least 4 KiB), or undefined. */
function detectMinified(text: string, bytes: number): string | undefined {
  if (bytes < MINIFIED_MIN_BYTES) return undefined;
  let lineCount = 0;
  let longest = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineCount++;
    longest = Math.max(longest, end - start);
    start = end + 1;
  }
  if (longest > MINIFIED_MAX_LINE) return `a line of ${longest} characters (more than ${MINIFIED_MAX_LINE})`;
  const average = text.length / Math.max(1, lineCount);
  if (average > MINIFIED_MAX_AVERAGE_LINE) {
    return `average line length ${Math.round(average)} characters (more than ${MINIFIED_MAX_AVERAGE_LINE})`;
  }
  return undefined;
}

/** CRLF and lone CR become LF. */
function normaliseLineEndings(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Length in Unicode code points (a surrogate pair counts once). */
function countCodePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** The relPath shown for a path relative to its root: prefixed by the root's label with several roots. */
function reportPath(root: Root, relPath: string): string {
  if (root.label === '') return relPath === '' ? '.' : relPath;
  return relPath === '' ? root.label : `${root.label}/${relPath}`;
}

/** Whether the real path `file` lies inside the real folder `folder`. */
function isInside(file: string, folder: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** What kind of special entry a folder listing holds, in words. */
function direntKind(entry: Dirent): string {
  return entry.isFIFO() ? 'a FIFO (named pipe)' : entry.isSocket() ? 'a socket' : entry.isCharacterDevice() ? 'a character device'
    : entry.isBlockDevice() ? 'a block device' : 'a special file';
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The errno code of a Node file system error (e.g. 'EACCES'), else the message. */
function errorCode(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}

/**
 * The corpus walk: each folder listed in name order, depth first, and every entry met either accepted or
 * reported with its reason (the order of the checks is in corpus.ts). It holds the walk's state: the files
 * accepted, the paths skipped, the warnings, the corpus budget used, the files already read (by device
 * and inode) and the file links, which are followed after the walk.
 */
import { promises as fsp, type Dirent, type Stats } from 'node:fs';
import * as path from 'node:path';
import { fileKind, FileReadError, formatBytes, readRegularFile } from '../common/read-file';
import { decodeContent, detectMinified, normaliseLineEndings, readBounded } from './decode';
import { DEFAULT_EXCLUDED_DIRS, MAX_IGNORE_FILE_BYTES, matchIgnore, newMatcher, parseIgnoreFile } from './ignore-rules';
import { classifyName } from './name-rules';
import { compareStrings, plural } from './report';
import type { CorpusFile, Matcher, Root, SkippedEntry, SkipReason, ValidatedOptions } from './types';

const PROGRESS_EVERY_FILES = 100;

/** The walk's state: what was accepted, skipped and warned about, and the corpus budget used. */
export class CorpusWalker {
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

/** Stops a cancelled walk: throws an Error named 'AbortError'. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const error = new Error('corpus walk cancelled');
    error.name = 'AbortError';
    throw error;
  }
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

/** Whether a file system error says that the path (or a folder on it) does not exist. */
export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The errno code of a Node file system error (e.g. 'EACCES'), else the message. */
export function errorCode(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}

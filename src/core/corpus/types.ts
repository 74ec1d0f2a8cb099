/**
 * The corpus's types: what {@link readCorpus} (corpus.ts) takes and returns, and why a path is skipped,
 * in a module of their own so that the name rules, the walk and the report share them without importing
 * corpus.ts (which imports them). Below them, the walk's internal types: a root as walked and the
 * options once validated.
 */
import type ignore from 'ignore';
import type { SplitSummary } from './split';

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

// ---------------------------------------------------------------------------------------------
// Internal to the corpus reader (not exported by corpus.ts)

/** The rules of one or more gitignore-syntax files (node-ignore), relative to a root. */
export type Matcher = ReturnType<typeof ignore>;

/** A root as walked: a folder, or a file given directly. */
export interface Root {
  absPath: string;
  /** '' with a single root, else the root's basename. */
  label: string;
  /** Patterns of `extraIgnore`, relative to this root (undefined when there are none). */
  extraMatcher: Matcher | undefined;
}

/** {@link CorpusOptions} once checked (corpus.ts, validateOptions): defaults filled in, globs compiled. */
export interface ValidatedOptions {
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

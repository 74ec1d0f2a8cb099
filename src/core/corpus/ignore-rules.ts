/**
 * The ignore rules of the corpus walk: the `.gitignore` files (nested, deepest wins) and
 * `.git/info/exclude`, with git's semantics (gitignore(5), matched by the `ignore` package), the extra
 * patterns of the options, the VS Code globs of the settings (picomatch), and the folder names left out
 * by default. One matcher holds the rules of every level: a nested `.gitignore`'s patterns are rewritten
 * relative to the root, anchored or not as git scopes them.
 */
import ignore from 'ignore';
import picomatch from 'picomatch';
import type { Matcher, Root } from './types';

/** An ignore file larger than this is not read (its rules are not applied, with a warning). */
export const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

/** Folders left out by default (`useDefaultExcludes`): dependencies, build output, caches, version control, editors. */
export const DEFAULT_EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  'node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'out', 'target', 'coverage', '.next', '.nuxt', '.cache',
  '__pycache__', '.venv', 'venv', '.tox', '.idea', '.vs', 'vendor', '.gradle', 'bower_components',
]);

/** Git matches case-insensitively where the file system usually is case-insensitive. */
const IGNORE_CASE = process.platform === 'win32' || process.platform === 'darwin';

/** One predicate for a list of VS Code globs, or undefined for an empty list. */
export function globMatcher(globs: string[] | undefined): ((relPath: string) => boolean) | undefined {
  const list = (globs ?? []).filter((g) => g.trim() !== '');
  if (list.length === 0) return undefined;
  return picomatch(list, { dot: true, nocase: IGNORE_CASE });
}

/** An empty set of gitignore rules, case-insensitive where git is. */
export function newMatcher(): Matcher {
  return ignore({ ignorecase: IGNORE_CASE });
}

/**
 * Why `relPath` (relative to the root, '/'-terminated for a folder) is ignored, or undefined. The extra patterns
 * come first: a `.gitignore` negation cannot re-include what they exclude.
 */
export function matchIgnore(root: Root, matcher: Matcher, relPath: string): string | undefined {
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
export function parseIgnoreFile(text: string, relDir: string, source: string): { pattern: string; mark: string }[] {
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

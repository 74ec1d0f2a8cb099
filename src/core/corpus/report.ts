/**
 * The corpus in words: the multi-line report the CLI prints after a walk (counts, the train/val split,
 * the skipped paths grouped by reason, the warnings), and the one-line summary of what was skipped that
 * explains an empty corpus.
 */
import { formatBytes } from '../common/read-file';
import type { SplitSummary } from './split';
import type { Corpus, SkippedEntry, SkipReason } from './types';

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

/** Orders strings by UTF-16 code units, independent of locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** '1 file', '2 files'. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

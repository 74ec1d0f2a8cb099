/**
 * corpus: what a training run reads: the walk over the workspace's folders (ignore files, globs, the
 * name rules), each file read and decoded (UTF-8, UTF-16, binary and minified files left out), the split
 * into training and held-out files by folder and near-duplicate group, and the report of what was read
 * and skipped. Knows nothing of the model.
 */
export { readCorpus, formatCorpusReport } from './corpus';
export type { Corpus, CorpusFile, CorpusOptions, SkippedEntry, SkipReason, SplitSummary } from './corpus';

/** Shared by the corpus tests: a fresh folder for each test, files written into it, what a corpus accepted or skipped. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Corpus, SkippedEntry, SkipReason } from '../../src/core/corpus/corpus';

/** The current test's folder (useTempFolder). */
export let tmp: string;

/** Each test of the calling `describe` gets a fresh folder, removed afterwards. */
export function useTempFolder(): void {
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-corpus-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });
}

/** Writes `content` at `relPath` under the test folder, creating the folders on the way. */
export function write(relPath: string, content: string | Uint8Array): string {
  const absPath = path.join(tmp, relPath);
  fs.mkdirSync(path.dirname(absPath), { recursive: true });
  fs.writeFileSync(absPath, content);
  return absPath;
}

export function accepted(corpus: Corpus): string[] {
  return corpus.files.map((file) => file.relPath);
}

export function skippedAs(corpus: Corpus, reason: SkipReason): string[] {
  return corpus.skipped.filter((entry) => entry.reason === reason).map((entry) => entry.relPath);
}

export function skippedEntry(corpus: Corpus, relPath: string): SkippedEntry {
  const entry = corpus.skipped.find((candidate) => candidate.relPath === relPath);
  assert.ok(entry, `${relPath} should be skipped; skipped: ${corpus.skipped.map((s) => s.relPath).join(', ')}`);
  return entry;
}

export function textOf(corpus: Corpus, relPath: string): string {
  const file = corpus.files.find((candidate) => candidate.relPath === relPath);
  assert.ok(file, `${relPath} should be accepted; accepted: ${accepted(corpus).join(', ')}`);
  return file.text;
}

/**
 * Records every path the reader opens, reads or lists, by wrapping the shared `fs.promises` functions
 * (the module under test calls them through the same object).
 */
export function spyOnFileAccess(): { touched: string[]; restore: () => void } {
  const promises = fs.promises;
  const original = { open: promises.open, readFile: promises.readFile, readdir: promises.readdir };
  const touched: string[] = [];
  const record = (target: unknown): void => {
    touched.push(String(target));
  };
  promises.open = ((file: fs.PathLike, ...rest: []) => {
    record(file);
    return original.open(file, ...rest);
  }) as typeof promises.open;
  promises.readFile = ((file: fs.PathLike, ...rest: []) => {
    record(file);
    return original.readFile(file, ...rest);
  }) as typeof promises.readFile;
  promises.readdir = ((dir: fs.PathLike, ...rest: []) => {
    record(dir);
    return original.readdir(dir, ...rest);
  }) as typeof promises.readdir;
  return {
    touched,
    restore: () => Object.assign(promises, original),
  };
}

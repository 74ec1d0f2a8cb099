/**
 * Shared by the CLI tests that run the BUILT CLI (dist/cli.js, from `npm run build`) as a user would:
 * running it, asserting a user error, and a folder with a small corpus and a model trained once.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './repo';

export const CLI = path.join(repoRoot(), 'dist', 'cli.js');

/** The environment of the child: never the debug mode, which prints stack traces. */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CHAR_RNN_DEBUG;
  return env;
}

export function run(args: string[]): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: childEnv(), timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

/** Runs the CLI and asserts it succeeded, returning stdout. */
export function ok(args: string[]): string {
  const r = run(args);
  assert.equal(r.status, 0, `char-rnn ${args.join(' ')} exited with ${r.status}; stderr:\n${r.stderr}`);
  return r.stdout;
}

/** Asserts a user error: status 2, exactly one stderr line 'char-rnn: ...' matching `pattern`, no stack. */
export function assertUserError(args: string[], pattern: RegExp): SpawnSyncReturns<string> {
  const r = run(args);
  const where = `char-rnn ${args.join(' ')}`;
  assert.equal(r.status, 2, `${where}: exit status ${r.status}; stderr:\n${r.stderr}`);
  assert.ok(!r.stderr.includes('    at '), `${where}: stack trace on stderr:\n${r.stderr}`);
  assert.ok(r.stderr.endsWith('\n'), `${where}: stderr does not end with a newline: ${JSON.stringify(r.stderr)}`);
  const lines = r.stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `${where}: expected exactly one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].startsWith('char-rnn: '), `${where}: stderr does not start with 'char-rnn: ': ${lines[0]}`);
  assert.match(lines[0], pattern, where);
  return r;
}

export const CORPUS_FILES: Record<string, string> = {
  'add.js': 'function add(a, b) {\n  return a + b; // 😀 sum\n}\n\nconst total = add(1, 2);\nconsole.log(total);\n',
  'sub.js': 'function sub(a, b) {\n  return a - b;\n}\n\nconst diff = sub(5, 3);\nconsole.log(diff);\n',
  'mul.js': 'function mul(a, b) {\n  return a * b;\n}\n\nconst product = mul(4, 6);\nconsole.log(product);\n',
  'div.js': 'function div(a, b) {\n  if (b === 0) throw new Error("zero");\n  return a / b;\n}\n',
  'util.py': 'def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n',
  'notes.md': '# Notes\n\nSome text about adding and subtracting numbers. 😀\n',
};

/** The calling suite's folder (useCliWorkspace). */
export let tmp: string;
/** The folder of CORPUS_FILES, under tmp. */
export let corpus: string;
/** trained once before all tests, for the commands that only read a model */
export let fixture: string;

/** Before the calling `describe`'s tests: a fresh tmp with the corpus and the fixture model; removed afterwards. */
export function useCliWorkspace(): void {
  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` before these tests`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-cli-'));
    corpus = path.join(tmp, 'corpus');
    fs.mkdirSync(corpus);
    for (const [name, text] of Object.entries(CORPUS_FILES)) fs.writeFileSync(path.join(corpus, name), text);
    fixture = path.join(tmp, 'fixture.safetensors');
    ok(['train', corpus, '--out', fixture, '--steps', '3', '--hidden', '16', '--batch', '4', '--seq', '16', '--json']);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
}

/**
 * Issue 12's checkpoint kinds through the BUILT CLI (dist/cli.js, from `npm run build`), as a user meets
 * them: each bad checkpoint gives exit status 2 and one line "char-rnn: ...", never an internal error,
 * a hang or NaN output.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeCheckpoint } from '../../src/core/checkpoint/checkpoint';
import { DirectConnections } from '../../src/core/model/direct-connections';
import { RnnModel } from '../../src/core/model/model';
import { Rng } from '../../src/core/model/rng';
import { Vocab } from '../../src/core/model/vocab';
import { reencode, splitFile } from '../helpers/checkpoint';
import { repoRoot } from '../helpers/repo';
import { defaultKernels } from '../../src/core/kernels/default-kernels';

const CLI = path.join(repoRoot(), 'dist', 'cli.js');

function run(args: string[]): SpawnSyncReturns<string> {
  const env = { ...process.env };
  delete env.CHAR_RNN_DEBUG;
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  if (r.error) throw r.error; // a hang ends here as ETIMEDOUT
  return r;
}

/** Asserts a user error: status 2, exactly one stderr line 'char-rnn: ...' matching `pattern`, no stack. */
function assertUserError(args: string[], pattern: RegExp): string {
  const r = run(args);
  const where = `char-rnn ${args.join(' ')}`;
  assert.equal(r.status, 2, `${where}: exit status ${r.status}; stderr:\n${r.stderr}`);
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, 1, `${where}: expected one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].startsWith('char-rnn: '), `${where}: ${lines[0]}`);
  assert.doesNotMatch(lines[0], /internal error/, where);
  assert.match(lines[0], pattern, where);
  return lines[0];
}

describe('char-rnn CLI and bad checkpoints (issue 12)', function () {
  this.timeout(60_000);
  let tmp: string;
  let corpus: string;
  let fixture: string;
  let good: Uint8Array;

  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` before these tests`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-cli-ckpt-'));
    corpus = path.join(tmp, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, 'a.js'), 'function add(a, b) {\n  return a + b; // ─ sum\n}\n'.repeat(5));
    fs.writeFileSync(path.join(corpus, 'b.js'), 'const total = add(1, 2);\nconsole.log(total);\n'.repeat(5));
    fixture = path.join(tmp, 'fixture.safetensors');
    const r = run(['train', corpus, '--out', fixture, '--steps', '3', '--hidden', '16', '--batch', '4', '--seq', '16', '--direct-mb', '1', '--json']);
    assert.equal(r.status, 0, r.stderr);
    good = fs.readFileSync(fixture);
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const write = (name: string, bytes: Uint8Array): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const withMeta = (name: string, key: string, edit: (value: string) => string) =>
    write(name, reencode(good, (_t, m) => { m[key] = edit(m[key]); }));
  const withField = (name: string, key: string, field: string, value: unknown) =>
    withMeta(name, key, (text) => JSON.stringify({ ...JSON.parse(text), [field]: value }));

  it('kind 2: config = null and hiddenSize "256", for sample and train --resume', () => {
    const nullConfig = withMeta('null-config.safetensors', 'config', () => 'null');
    assertUserError(['sample', '--model', nullConfig], /null-config\.safetensors: metadata 'config' must be a JSON object, got null$/);
    assertUserError(['train', corpus, '--out', path.join(tmp, 'r.safetensors'), '--resume', nullConfig, '--steps', '2'], /metadata 'config' must be a JSON object, got null/);
    const stringHidden = withField('string-hidden.safetensors', 'config', 'hiddenSize', '256');
    assertUserError(['sample', '--model', stringHidden], /metadata 'config': 'hiddenSize' must be an integer from 16 to 1024, got the string "256"/);
    const nullOptimizer = withMeta('null-optimizer.safetensors', 'optimizer', () => 'null');
    assertUserError(['train', corpus, '--out', path.join(tmp, 'r.safetensors'), '--resume', nullOptimizer, '--steps', '2'], /metadata 'optimizer' must be a JSON object, got null/);
  });

  it('kind 3: direct.rowsPerOrder 1039431328 and 10^12 are refused (no NaN, no negative sizes)', () => {
    for (const rows of [1039431328, 1e12]) {
      const file = withField(`rows-${rows}.safetensors`, 'direct', 'rowsPerOrder', rows);
      const line = assertUserError(['sample', '--model', file, '--length', '5', '--json'], /metadata 'direct'/);
      assert.doesNotMatch(line.slice(line.indexOf(": metadata")), /[\s[(,]-\d|NaN/);
    }
  });

  it('kind 3: a row count that wraps 32 bits back to the real one loaded and sampled NaN; now refused', () => {
    // V = 107, 6 orders, 200 rows per order: 1,108 rows; 2,078,824,012 rows per order count 2^32 + 1,108
    const symbols = [''];
    for (let i = 1; i < 107; i++) symbols.push(String.fromCharCode(0x100 + i));
    const model = RnnModel.create({ vocabSize: 107, hiddenSize: 16, layers: 1 }, new Vocab(symbols), 1, defaultKernels());
    model.direct = new DirectConnections({ orders: 6, rowsPerOrder: 200, vocabSize: 107 });
    const real = write('hashed.safetensors', encodeCheckpoint(model));
    assert.equal(run(['sample', '--model', real, '--length', '3']).status, 0);
    const wrapping = write('wrap.safetensors', reencode(encodeCheckpoint(model), (_t, m) => { m.direct = JSON.stringify({ ...JSON.parse(m.direct), rowsPerOrder: 2078824012 }); }));
    assertUserError(['sample', '--model', wrapping, '--length', '3', '--json'], /a direct-connection table of 4294968404 rows x 107 symbols is too large/);
  });

  it('kind 4: a bit flipped in a vocabulary symbol of the header (─ to ━)', () => {
    const { headerText } = splitFile(good);
    const at = 8 + Buffer.byteLength(headerText.slice(0, headerText.indexOf('─'))) + 2;
    const flipped = Uint8Array.from(good);
    flipped[at] ^= 1;
    assertUserError(['sample', '--model', write('flipped-vocab.safetensors', flipped)], /header checksum mismatch .*corrupt/);
    const lengthFlip = Uint8Array.from(good);
    lengthFlip[0] ^= 1;
    assertUserError(['complete', '--model', write('flipped-length.safetensors', lengthFlip), '--file', path.join(corpus, 'a.js')], /flipped-length\.safetensors: /);
  });

  it('kind 5: a FIFO (sample --model, train --resume, eval --model) and /dev/zero are refused at once', function () {
    const fifo = path.join(tmp, 'model.fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) this.skip();
    assertUserError(['sample', '--model', fifo], /model\.fifo: cannot read the checkpoint: it is a named pipe \(FIFO\), not a regular file/);
    assertUserError(['train', corpus, '--out', path.join(tmp, 'f.safetensors'), '--resume', fifo, '--steps', '2'], /named pipe \(FIFO\)/);
    assertUserError(['eval', '--model', fifo, corpus], /named pipe \(FIFO\)/);
    if (fs.existsSync('/dev/zero')) assertUserError(['sample', '--model', '/dev/zero'], /\/dev\/zero: cannot read the checkpoint: it is a character device, not a regular file/);
  });

  it('kind 8: a temp file left by a writer killed with -9 is gone after the next train writes the checkpoint', async () => {
    const out = path.join(tmp, 'killed.safetensors');
    // a writer of `out` killed mid-write: its temp file, named as writeFileAtomic names it, with a dead pid
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const pid = child.pid!;
    const stale = `${out}.tmp-${pid}-0123456789ab`;
    fs.writeFileSync(stale, Buffer.alloc(1 << 16));
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    const r = run(['train', corpus, '--out', out, '--steps', '2', '--hidden', '16', '--batch', '4', '--seq', '16', '--direct-mb', '1']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!fs.existsSync(stale), 'the stale temp file was removed');
    assert.deepEqual(fs.readdirSync(tmp).filter((n) => n.startsWith('killed.')), ['killed.safetensors']);
  });

  it('fuzz through the CLI: mutated checkpoints give exit 0 or 2 with one line, never 1', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 6; i++) {
      const bytes = Uint8Array.from(good);
      bytes[Math.floor(rng.next() * bytes.length)] ^= 1 << Math.floor(rng.next() * 8);
      const r = run(['sample', '--model', write(`fuzz-${i}.safetensors`, bytes), '--length', '3']);
      assert.ok(r.status === 2, `fuzz ${i}: exit ${r.status}: ${r.stderr}`);
      assert.equal(r.stderr.replace(/\n$/, '').split('\n').length, 1, r.stderr);
    }
  });
});

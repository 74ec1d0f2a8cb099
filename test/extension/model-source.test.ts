/**
 * The team model setting (`charRnn.model.path`, src/extension/model-source.ts): which value applies
 * (the user's only, in an untrusted workspace), how a path resolves against the workspace folder and
 * which are refused, links that leave the folder, and the one-line message of a file that cannot be
 * used, from the real loader's errors.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpointInWorker } from '../../src/core/checkpoint/worker/load-in-worker';
import { defaultKernels } from '../../src/core/kernels/default-kernels';
import { describeSource, effectiveModelPath, linkLeavesFolder, resolveModelPath, TeamModelFile, teamModelError } from '../../src/extension/model-source';
import { smallCheckpoint } from '../helpers/checkpoint';

const folder = path.join(os.tmpdir(), 'ws');

describe('charRnn.model.path: the value in effect', () => {
  it('takes the most specific level in a trusted workspace, and only the user\'s value in an untrusted one', () => {
    assert.deepEqual(effectiveModelPath(undefined, true), { value: '' });
    assert.deepEqual(effectiveModelPath({ globalValue: '/u.safetensors' }, true), { value: '/u.safetensors' });
    assert.deepEqual(effectiveModelPath({ globalValue: '/u.safetensors', workspaceValue: 'w.safetensors' }, true), { value: 'w.safetensors' });
    assert.deepEqual(effectiveModelPath({ workspaceValue: 'w.safetensors', workspaceFolderValue: 'f.safetensors' }, true), { value: 'f.safetensors' });
    // a workspace's empty value turns off the user's team model
    assert.deepEqual(effectiveModelPath({ globalValue: '/u.safetensors', workspaceValue: '' }, true), { value: '' });
    // untrusted: the workspace's value is left out, and said
    assert.deepEqual(effectiveModelPath({ globalValue: '/u.safetensors', workspaceValue: '.vscode/x.safetensors' }, false), { value: '/u.safetensors', ignored: '.vscode/x.safetensors' });
    assert.deepEqual(effectiveModelPath({ workspaceFolderValue: ' .vscode/x.safetensors ' }, false), { value: '', ignored: '.vscode/x.safetensors' });
    // not a string: as if unset
    assert.deepEqual(effectiveModelPath({ globalValue: 42, workspaceValue: ['x'] }, true), { value: '' });
  });
});

describe('charRnn.model.path: resolving the path', () => {
  it('is no team model when empty', () => {
    assert.deepEqual(resolveModelPath('', folder), { kind: 'unset' });
    assert.deepEqual(resolveModelPath('   ', undefined), { kind: 'unset' });
  });

  it('resolves a relative path against the workspace folder, shown as written with /', () => {
    assert.deepEqual(resolveModelPath('.vscode/char-rnn.safetensors', folder), { kind: 'file', file: path.join(folder, '.vscode', 'char-rnn.safetensors'), shown: '.vscode/char-rnn.safetensors', folder });
    assert.deepEqual(resolveModelPath('./models/../.vscode/m.safetensors', folder), { kind: 'file', file: path.join(folder, '.vscode', 'm.safetensors'), shown: '.vscode/m.safetensors', folder });
    assert.deepEqual(resolveModelPath('${workspaceFolder}/.vscode/m.safetensors', folder), { kind: 'file', file: path.join(folder, '.vscode', 'm.safetensors'), shown: '.vscode/m.safetensors', folder });
  });

  it('takes an absolute path as given, inside the workspace or not', () => {
    const elsewhere = path.join(os.tmpdir(), 'models', 'team.safetensors');
    assert.deepEqual(resolveModelPath(elsewhere, folder), { kind: 'file', file: elsewhere, shown: elsewhere });
    assert.deepEqual(resolveModelPath(elsewhere, undefined), { kind: 'file', file: elsewhere, shown: elsewhere });
  });

  it('refuses, in one line naming the setting and the value, a relative path out of the folder, without a folder, with ~ or another variable', () => {
    const cases: [string, string | undefined, RegExp][] = [
      ['../other/m.safetensors', folder, /leads outside the workspace folder: give the absolute path/],
      ['.vscode/../../m.safetensors', folder, /leads outside the workspace folder/],
      ['${workspaceFolder}/../m.safetensors', folder, /leads outside the workspace folder/],
      ['m.safetensors', undefined, /is relative, and no workspace folder is open/],
      ['~/m.safetensors', folder, /"~", which is not expanded/],
      ['${env:HOME}/m.safetensors', folder, /a variable other than \$\{workspaceFolder\}/],
      ['.', folder, /the workspace folder itself/],
    ];
    for (const [value, base, reason] of cases) {
      const r = resolveModelPath(value, base);
      assert.equal(r.kind, 'error', value);
      if (r.kind !== 'error') continue;
      assert.match(r.message, reason, value);
      assert.ok(r.message.startsWith(`charRnn.model.path "${value}" `), r.message);
      assert.ok(!r.message.includes('\n'), r.message);
      assert.equal(r.shown, value);
    }
  });
});

describe('charRnn.model.path: the file', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-team-'));
    fs.mkdirSync(path.join(dir, 'ws', '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'outside.safetensors'), smallCheckpoint());
    fs.writeFileSync(path.join(dir, 'ws', 'inside.safetensors'), smallCheckpoint());
    fs.symlinkSync(path.join(dir, 'outside.safetensors'), path.join(dir, 'ws', '.vscode', 'out-link.safetensors'));
    fs.symlinkSync(path.join(dir, 'ws', 'inside.safetensors'), path.join(dir, 'ws', '.vscode', 'in-link.safetensors'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const resolved = (value: string) => resolveModelPath(value, path.join(dir, 'ws')) as TeamModelFile;

  it('refuses a relative path whose link leads outside the folder, naming the real file; follows one that stays inside', async () => {
    const message = await linkLeavesFolder(resolved('.vscode/out-link.safetensors'));
    assert.ok(message);
    assert.match(message, /^charRnn\.model\.path "\.vscode\/out-link\.safetensors" is a link to .*outside\.safetensors, outside the workspace folder: give that absolute path to use it$/);
    assert.equal(await linkLeavesFolder(resolved('.vscode/in-link.safetensors')), undefined);
    assert.equal(await linkLeavesFolder(resolved('inside.safetensors')), undefined);
    // the same link given by its absolute path is the user's explicit choice
    assert.equal(await linkLeavesFolder(resolved(path.join(dir, 'ws', '.vscode', 'out-link.safetensors'))), undefined);
    // a missing file is the loader's to report
    assert.equal(await linkLeavesFolder(resolved('.vscode/none.safetensors')), undefined);
  });

  it('says in one line why a missing, foreign or corrupt file cannot be used (the worker loader\'s errors)', async () => {
    const message = async (name: string, bytes?: Uint8Array | string) => {
      const file = path.join(dir, name);
      if (bytes !== undefined) fs.writeFileSync(file, bytes);
      try {
        const loaded = await loadCheckpointInWorker(file, defaultKernels());
        assert.fail(`${name} loaded (${loaded.bytes} bytes)`);
      } catch (err) {
        return teamModelError({ file, shown: `.vscode/${name}` }, err as NodeJS.ErrnoException);
      }
    };
    assert.equal(await message('missing.safetensors'), 'the team model .vscode/missing.safetensors (charRnn.model.path) was not found');
    const good = smallCheckpoint();
    const cases: [string, Uint8Array | string, RegExp][] = [
      ['text.safetensors', 'not a model at all\n', /^the team model \.vscode\/text\.safetensors \(charRnn\.model\.path\) cannot be read: header length \d+ exceeds the file size \(19 bytes\): truncated or not a safetensors file$/],
      ['folder.safetensors', '', /^the team model \.vscode\/folder\.safetensors \(charRnn\.model\.path\) cannot be read: cannot read the checkpoint: it is a directory, not a file/],
      ['truncated.safetensors', good.subarray(0, good.length - 100), /cannot be read: /],
      ['flipped.safetensors', Uint8Array.from(good, (b, i) => (i === good.length - 5 ? b ^ 1 : b)), /cannot be read: .*checksum/],
    ];
    fs.mkdirSync(path.join(dir, 'folder.safetensors'));
    for (const [name, bytes, pattern] of cases) {
      const m = await message(name, name === 'folder.safetensors' ? undefined : bytes);
      assert.match(m, pattern, m);
      assert.ok(!m.includes('\n') && !m.includes('    at '), m);
    }
  });

  it('names the source for the status bar and Model Info', () => {
    assert.equal(describeSource({ kind: 'team', shown: '.vscode/char-rnn.safetensors' }), 'team model: .vscode/char-rnn.safetensors (read-only, from charRnn.model.path)');
    assert.equal(describeSource({ kind: 'workspace' }), 'this workspace\'s trained model');
  });
});

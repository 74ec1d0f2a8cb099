/** Safetensors files on disk (safetensors/file.ts): atomic writes and reads that name the file. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointFormatError } from '../../../src/core/checkpoint/safetensors/format';
import { decodeSafetensors } from '../../../src/core/checkpoint/safetensors/decode';
import { encodeSafetensors } from '../../../src/core/checkpoint/safetensors/encode';
import { readSafetensorsFile, writeFileAtomic } from '../../../src/core/checkpoint/safetensors/file';
import { ascii, sampleTensors } from '../../helpers/safetensors';

describe('safetensors files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-test-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writeFileAtomic creates and then replaces a file, leaving no temp file behind', async () => {
    const target = path.join(dir, 'model.safetensors');
    await writeFileAtomic(target, ascii('first version'));
    assert.equal(fs.readFileSync(target, 'utf8'), 'first version');
    await writeFileAtomic(target, ascii('second'));
    assert.equal(fs.readFileSync(target, 'utf8'), 'second');
    await writeFileAtomic(target, new Uint8Array(0));
    assert.equal(fs.readFileSync(target).length, 0);
    assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  });

  it('writeFileAtomic rejects when the target directory is gone', async () => {
    const missingDir = path.join(dir, 'removed');
    fs.mkdirSync(missingDir);
    fs.rmdirSync(missingDir);
    await assert.rejects(writeFileAtomic(path.join(missingDir, 'model.safetensors'), ascii('x')), { code: 'ENOENT' });
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('writeFileAtomic keeps the old file and removes its temp file when the data throws', async () => {
    const target = path.join(dir, 'model.safetensors');
    fs.writeFileSync(target, 'old contents');
    const throwing = new Proxy(ascii('new contents'), {
      get() {
        throw new Error('data exploded');
      },
    });
    await assert.rejects(writeFileAtomic(target, throwing));
    await assert.rejects(writeFileAtomic(target, 'text' as unknown as Uint8Array), TypeError);
    assert.equal(fs.readFileSync(target, 'utf8'), 'old contents');
    assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  });

  it('writeFileAtomic removes its temp file when the rename fails', async () => {
    const target = path.join(dir, 'occupied');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'keep me');
    await assert.rejects(writeFileAtomic(target, ascii('x')));
    assert.deepEqual(fs.readdirSync(dir), ['occupied']);
    assert.equal(fs.readFileSync(path.join(target, 'inside'), 'utf8'), 'keep me');
  });

  it('readSafetensorsFile reads what was written and names the file in errors', async () => {
    const target = path.join(dir, 'model.safetensors');
    const bytes = encodeSafetensors(sampleTensors(), { format: 'char-rnn' });
    await writeFileAtomic(target, bytes);
    const loaded = await readSafetensorsFile(target);
    assert.deepEqual(loaded, decodeSafetensors(bytes));

    fs.writeFileSync(target, bytes.subarray(0, 5));
    await assert.rejects(readSafetensorsFile(target), {
      name: 'CheckpointFormatError',
      message: `${target}: truncated: 5 bytes, too short for a safetensors header`,
    });
  });

  it('readSafetensorsFile explains a missing file or a directory', async () => {
    const missing = path.join(dir, 'nope.safetensors');
    await assert.rejects(readSafetensorsFile(missing), (err: unknown) => {
      assert.ok(err instanceof CheckpointFormatError);
      assert.equal(err.message, `${missing}: cannot read the checkpoint: no such file (ENOENT)`);
      assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
    await assert.rejects(readSafetensorsFile(dir), {
      name: 'CheckpointFormatError',
      message: `${dir}: cannot read the checkpoint: it is a directory, not a file (EISDIR)`,
    });
  });
});

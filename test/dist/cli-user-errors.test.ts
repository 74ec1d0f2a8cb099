/** The CLI's user errors: exit status 2, one line "char-rnn: ...", no stack trace. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeCheckpoint, loadCheckpoint } from '../../src/core/checkpoint/checkpoint';
import { defaultKernels } from '../../src/core/kernels/default-kernels';
import { assertUserError, corpus, fixture, run, tmp, useCliWorkspace } from '../helpers/cli';

describe('char-rnn CLI (dist/cli.js)', function () {
  this.timeout(30_000);
  useCliWorkspace();

  describe('user errors: status 2, one line "char-rnn: ...", no stack trace', () => {
    it('an unknown command', () => assertUserError(['bogus'], /unknown command 'bogus'/));
    it('an unknown flag', () => assertUserError(['train', 'x', '--bogus'], /--bogus/));
    it('a missing --out', () => assertUserError(['train', corpus], /--out is required/));
    it('a bad number', () => {
      assertUserError(['train', corpus, '--out', path.join(tmp, 'x.safetensors'), '--hidden', 'abc'], /--hidden must be a whole number, got 'abc'/);
      assertUserError(['train', corpus, '--out', path.join(tmp, 'x.safetensors'), '--hidden', '5'], /--hidden must be at least 16/);
      assertUserError(['sample', '--model', fixture, '--length', '0'], /--length must be at least 1/);
      assert.ok(!fs.existsSync(path.join(tmp, 'x.safetensors')), 'nothing was written');
    });
    // Node's parseArgs message for a value starting with '-' has three lines; the CLI keeps one
    it('a negative number (--lr -1) is one line too', () => {
      assertUserError(['train', corpus, '--out', path.join(tmp, 'x.safetensors'), '--lr', '-1'], /--lr -1: write a value that starts with a dash as --lr=-1/);
      assertUserError(['train', corpus, '--out', path.join(tmp, 'x.safetensors'), '--lr=-1'], /--lr must be at least/);
    });
    it('an --out folder that does not exist, before any training', () => {
      const args = ['train', corpus, '--out', path.join(tmp, 'no-such-folder', 'm.safetensors'), '--seconds', '30'];
      assertUserError(args, /folder .*no-such-folder does not exist/);
      // it fails at once, not after the training budget: nothing was read or trained (no timing assertion)
      assert.equal(run(args).stdout, '');
    });
    it('a missing path to train on', () => assertUserError(['train', path.join(tmp, 'no-such-folder'), '--out', path.join(tmp, 'x.safetensors')], /not found/));
    it('a missing model file', () => assertUserError(['sample', '--model', path.join(tmp, 'missing.safetensors')], /missing\.safetensors.*no such file/));
    it('a corrupt model file', () => {
      const garbage = path.join(tmp, 'garbage.safetensors');
      const bytes = Buffer.alloc(300);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 17) & 0xff;
      fs.writeFileSync(garbage, bytes);
      assertUserError(['sample', '--model', garbage], /garbage\.safetensors/);
      assertUserError(['eval', '--model', garbage, corpus], /garbage\.safetensors/);
    });
    it('a model file with a flipped bit', async () => {
      const loaded = await loadCheckpoint(fixture, defaultKernels());
      const bytes = Buffer.from(encodeCheckpoint(loaded.model, loaded.training));
      bytes[bytes.length - 5] ^= 0x10;
      const flipped = path.join(tmp, 'flipped.safetensors');
      fs.writeFileSync(flipped, bytes);
      assertUserError(['complete', '--model', flipped, '--file', path.join(corpus, 'add.js')], /checksum mismatch/);
    });
    it('--offset past the end of the file', () => {
      const file = path.join(corpus, 'sub.js');
      assertUserError(['complete', '--model', fixture, '--file', file, '--offset', '100000'], /--offset 100000 is past the end/);
    });
    it('a missing file to complete', () => assertUserError(['complete', '--model', fixture, '--file', path.join(tmp, 'nope.js')], /cannot read/));
    it('an empty folder to train on', () => {
      const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
      assertUserError(['train', empty, '--out', path.join(tmp, 'e.safetensors'), '--steps', '1', '--hidden', '16'], /no usable text file/);
      assertUserError(['eval', '--model', fixture, empty], /no usable text file/);
    });
    it('resuming with another hidden size', () => {
      assertUserError(['train', corpus, '--out', path.join(tmp, 'r.safetensors'), '--resume', fixture, '--hidden', '32', '--steps', '6'], /hidden size 32/);
    });
  });
});

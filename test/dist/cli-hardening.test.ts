/** Issue 12's CLI kinds: divergence, special files, output paths, value bounds and flag errors. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertUserError, corpus, fixture, ok, run, tmp, useCliWorkspace } from '../helpers/cli';

describe('char-rnn CLI (dist/cli.js)', function () {
  this.timeout(30_000);
  useCliWorkspace();

  describe('hardening (issue 12)', () => {
    const fifo = (name: string): string | undefined => {
      const file = path.join(tmp, name);
      if (process.platform === 'win32' || spawnSync('mkfifo', [file]).status !== 0) return undefined;
      return file;
    };
    const trainArgs = (out: string) => ['train', corpus, '--out', out, '--steps', '3', '--hidden', '16', '--batch', '4', '--seq', '16'];

    describe('kind 1: divergence never replaces good work', () => {
      it('with no validation files, a loss that explodes (not NaN) is caught and the checkpoint left as it was', () => {
        const good = path.join(tmp, 'good-noval.safetensors');
        ok([...trainArgs(good), '--val-fraction', '0']);
        const before = fs.readFileSync(good);
        assertUserError(['train', corpus, '--resume', good, '--out', good, '--lr', '10', '--clip', '1e9', '--steps', '400', '--val-fraction', '0'],
          /^char-rnn: training diverged at step \d+: the training loss \d+\.\d{3} nats\/char is worse than uniform guessing \(\d+\.\d{2} nats\/char\); lower the learning rate; .*good-noval\.safetensors was left as it was$/);
        assert.ok(fs.readFileSync(good).equals(before), 'the checkpoint is unchanged');
        assert.ok(!fs.existsSync(path.join(tmp, 'good-noval.latest.safetensors')));
      });
      it('a new run that diverges at once writes nothing', () => {
        const out = path.join(tmp, 'wild.safetensors');
        assertUserError(['train', corpus, '--out', out, '--lr', '10', '--clip', '1e9', '--steps', '400', '--hidden', '16', '--val-fraction', '0'], /training diverged at step \d+: .*wild\.safetensors was not written$/);
        assert.ok(!fs.existsSync(out));
      });
    });

    describe('kind 5: special files never block', () => {
      it('complete --file FIFO is refused at once, without opening it for reading', function () {
        const pipe = fifo('complete.fifo');
        if (!pipe) this.skip();
        assertUserError(['complete', '--model', fixture, '--file', pipe], /cannot read .*complete\.fifo: it is a FIFO \(named pipe\), not a regular file/);
      });
      it('complete --file of a folder or a device says what it is', function () {
        assertUserError(['complete', '--model', fixture, '--file', corpus], /cannot read .*corpus: it is a folder, not a regular file/);
        if (!fs.existsSync('/dev/zero')) this.skip();
        assertUserError(['complete', '--model', fixture, '--file', '/dev/zero'], /cannot read \/dev\/zero: it is a character device, not a regular file/);
      });
      it('a FIFO given to train or eval is reported, never read', function () {
        const pipe = fifo('data.fifo');
        if (!pipe) this.skip();
        assertUserError(['train', pipe, '--out', path.join(tmp, 'f.safetensors'), '--steps', '1', '--hidden', '16'], /no usable text file was found: .*1 special-file \(first: data\.fifo, a FIFO \(named pipe\): never opened\)/);
        assertUserError(['eval', '--model', fixture, pipe], /no usable text file to evaluate on \(1 path skipped: 1 special-file/);
        assertUserError(['eval', '--model', fixture, corpus, '--baselines', pipe], /no usable text file for the baselines to learn from \(1 path skipped: 1 special-file/);
      });
    });

    describe('kind 6: output paths are checked before any work', () => {
      it('train --out EXISTING_DIRECTORY fails at once, before training', () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'out-dir-'));
        const r = run(['train', corpus, '--out', dir, '--seconds', '30', '--hidden', '16']);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^char-rnn: cannot write the checkpoint .*out-dir-\w+: it is a folder \(give a file name\)\n$/);
        assert.ok(!r.stdout.includes('training:'), `training started:\n${r.stdout}`);
        assert.deepEqual(fs.readdirSync(dir), [], 'nothing written into it');
      });
      it('a name ending with a slash, a latest-state path that is a folder, a source file, a FIFO, and demo --out', function () {
        assertUserError(['train', corpus, '--out', path.join(tmp, 'models') + '/', '--steps', '1'], /give a file name, not a folder/);
        const out = path.join(tmp, 'blocked.safetensors');
        fs.mkdirSync(path.join(tmp, 'blocked.latest.safetensors'));
        assertUserError(['train', corpus, '--out', out, '--steps', '1', '--hidden', '16'], /cannot write the checkpoint .*blocked\.latest\.safetensors: it is a folder/);
        assertUserError(['demo', '--out', tmp, '--seconds', '1'], /cannot write the checkpoint .*: it is a folder/);
        // a file that is not a checkpoint (a source file given as --out by mistake) is never replaced
        const source = path.join(tmp, 'precious.js');
        fs.writeFileSync(source, 'const precious = 1;\n');
        assertUserError(['train', corpus, '--out', source, '--steps', '1', '--hidden', '16'], /cannot write the checkpoint .*precious\.js: it exists and is not a safetensors file/);
        assert.equal(fs.readFileSync(source, 'utf8'), 'const precious = 1;\n');
        const pipe = fifo('out.fifo');
        if (!pipe) this.skip();
        assertUserError(['train', corpus, '--out', pipe, '--steps', '1', '--hidden', '16'], /cannot write the checkpoint .*out\.fifo: it is not a regular file \(a FIFO/);
      });
    });

    describe('kind 7: values within the bounds work or are refused up front, naming the limit', () => {
      it('--direct-mb 4096 (the old documented maximum) is refused; the maximum is what a checkpoint can hold', () => {
        assertUserError([...trainArgs(path.join(tmp, 'big.safetensors')), '--direct-mb', '4096'], /--direct-mb must be at most 1024, got 4096/);
      });
      it('--batch and --seq at their maxima together are refused before training, with the figures', () => {
        const r = run(['train', corpus, '--out', path.join(tmp, 'huge.safetensors'), '--batch', '1024', '--seq', '4096', '--hidden', '16', '--steps', '1']);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^char-rnn: a training step of batch 1024 x sequence length 4096 with hidden size 16, 1 layer and \d+ symbols needs about \d+ MB, more than the 960 MB limit of the kernels' memory: lower the batch size, the sequence length, the hidden size or the layers\n$/);
        assert.ok(!r.stdout.includes('training:'));
      });
    });

    describe('kind 10: flag errors say what is wrong', () => {
      const out = () => path.join(tmp, 'x10.safetensors');
      it('a forgotten value: --hidden --layers 2 says the value is missing', () => {
        assertUserError(['train', corpus, '--out', out(), '--hidden', '--layers', '2'], /^char-rnn: --hidden needs a value \(it is followed by the flag --layers\)$/);
        assertUserError(['train', corpus, '--out', out(), '--hidden'], /^char-rnn: --hidden needs a value \(nothing follows it\)$/);
        assertUserError(['train', corpus, '--out=', '--steps', '1'], /^char-rnn: --out needs a value, got an empty one$/);
        assertUserError(['train', corpus, '--out', out(), '--resume=', '--steps', '1'], /^char-rnn: --resume needs a value, got an empty one$/);
      });
      it('a flag given twice, a value on a switch, an unknown flag, an empty path, a stray argument', () => {
        assertUserError(['train', corpus, '--out', out(), '--hidden', '32', '--hidden', '64'], /^char-rnn: --hidden is given more than once$/);
        assertUserError(['sample', '--model', fixture, '--json=1'], /^char-rnn: --json takes no value$/);
        assertUserError(['train', corpus, '--out', out(), '--hiden', '32'], /^char-rnn: unknown flag --hiden \(--help lists the flags\)$/);
        assertUserError(['train', '', '--out', out()], /^char-rnn: an empty path was given$/);
        assertUserError(['sample', '--model', fixture, '20'], /^char-rnn: unexpected argument '20': this command takes no paths$/);
        assert.ok(!fs.existsSync(out()), 'nothing was written');
      });
      it('numbers: plain decimals and exponents only', () => {
        for (const bad of ['0x10', 'Infinity', 'NaN', '12abc', ' 32', '1_000']) {
          assertUserError(['train', corpus, '--out', out(), '--hidden', bad], new RegExp(`^char-rnn: --hidden must be a whole number, got '${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'$`));
        }
        assertUserError(['sample', '--model', fixture, '--temperature', '-Infinity'], /--temperature -Infinity: write a value that starts with a dash as --temperature=-Infinity/);
        const a = ok(['sample', '--model', fixture, '--length', '1e1', '--seed', '3']);
        assert.equal([...a.slice(0, -1)].length, 10, '1e1 is 10');
      });
      it('--help after a command prints its usage and exits 0', () => {
        const r = run(['train', '--help']);
        assert.equal(r.status, 0);
        assert.match(r.stdout, /^usage:\n {2}char-rnn train <path\.\.\.> --out FILE/);
      });
    });
  });
});

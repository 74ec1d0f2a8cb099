/**
 * Issue 12's checkpoint kinds, each example and other members of its kind: metadata of the wrong type
 * (2), sizes that overflow (3), a checksum that covers the whole file (4), special files (5) and the
 * temporary files of a killed writer (8).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointFormatError, decodeCheckpoint, encodeCheckpoint, FORMAT_VERSION, loadCheckpoint, saveCheckpoint } from '../../../src/core/checkpoint/checkpoint';
import { DirectConnections } from '../../../src/core/model/direct-connections';
import { fastKernels } from '../../../src/core/kernels/kernels';
import { RnnModel } from '../../../src/core/model/model';
import { decodeSafetensors } from '../../../src/core/checkpoint/safetensors/decode';
import { readSafetensorsBytes, readSafetensorsFile, removeStaleTempFiles, writeFileAtomic } from '../../../src/core/checkpoint/safetensors/file';
import { loadCheckpointInWorker } from '../../../src/core/checkpoint/worker/load-in-worker';
import { Vocab } from '../../../src/core/model/vocab';
import { assertRefused, buildFile, countingKernels, format1Checkpoint, reencode, smallCheckpoint, splitFile, SYMBOLS } from '../../helpers/checkpoint';
import { repoRoot } from '../../helpers/repo';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';

async function assertRefusedAsync(promise: Promise<unknown>, ...patterns: RegExp[]): Promise<string> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof CheckpointFormatError, `expected a CheckpointFormatError, got ${String(caught)}`);
  assert.ok(!caught.message.includes('\n'), `not one line: ${caught.message}`);
  for (const p of patterns) assert.match(caught.message, p);
  return caught.message;
}

const mkfifo = (file: string): boolean => spawnSync('mkfifo', [file]).status === 0;

describe('checkpoint hardening (issue 12)', function () {
  this.timeout(30_000);
  let good: Uint8Array;
  let tmp: string;
  before(() => {
    good = smallCheckpoint();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-harden-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const withMeta = (key: string, value: string | undefined) =>
    reencode(good, (_t, m) => {
      if (value === undefined) delete m[key];
      else m[key] = value;
    });
  const withJsonField = (key: string, field: string, value: unknown) =>
    reencode(good, (_t, m) => {
      const parsed = JSON.parse(m[key]) as Record<string, unknown>;
      parsed[field] = value;
      m[key] = JSON.stringify(parsed);
    });

  describe('kind 2: metadata that is valid JSON of the wrong type is refused, naming the field', () => {
    it('config = null (was: internal error "Cannot read properties of null")', () => {
      assertRefused(() => decodeCheckpoint(withMeta('config', 'null'), 'checkpoint', defaultKernels()), /metadata 'config' must be a JSON object, got null/);
    });

    it('config.hiddenSize = "256", a string (was: "metadata says hiddenSize = 256 but the tensors give 256")', () => {
      const { message } = assertRefused(() => decodeCheckpoint(withJsonField('config', 'hiddenSize', '256'), 'checkpoint', defaultKernels()), /metadata 'config': 'hiddenSize' must be an integer from 16 to 1024, got the string "256"/);
      assert.doesNotMatch(message, /tensors give/);
    });

    it('every other JSON value of the wrong type: optimizer, resume, history, direct, settings, schedule', () => {
      const cases: [Uint8Array, RegExp][] = [
        [withMeta('optimizer', 'null'), /metadata 'optimizer' must be a JSON object, got null/],
        [withJsonField('optimizer', 'name', 'constructor'), /metadata 'optimizer': 'name' must be 'adam' or 'adagrad', got the string "constructor"/],
        [withJsonField('optimizer', 'step', -1), /metadata 'optimizer': 'step' must be an integer from 0/],
        [withMeta('resume', 'null'), /metadata 'resume' must be a JSON object, got null/],
        [withJsonField('resume', 'rng', [1, 2, 3]), /metadata 'resume': 'rng' must be an array of four unsigned 32-bit integers/],
        [withJsonField('resume', 'rng', [0, 0, 0, 0]), /metadata 'resume': 'rng' must be not all zeros/],
        [withJsonField('resume', 'smoothLoss', 'x'), /metadata 'resume': 'smoothLoss' must be a finite number, got the string "x"/],
        [withMeta('history', '[null]'), /metadata 'history': '0' must be a JSON object, got null/],
        [withMeta('history', '{"step":1}'), /metadata 'history' must be a JSON array, got an object/],
        [withMeta('history', '[{"step":"1","charsSeen":0,"loss":1}]'), /metadata 'history': '0\.step' must be an integer/],
        [withMeta('direct', 'null'), /metadata 'direct' must be a JSON object, got null/],
        [withJsonField('direct', 'orders', '2'), /metadata 'direct': 'orders' must be an integer from 1 to 8, got the string "2"/],
        [withMeta('settings', '"abc"'), /metadata 'settings' must be a JSON object, got the string "abc"/],
        [withJsonField('settings', 'seqLength', '64'), /metadata 'settings': 'seqLength' must be an integer, got the string "64"/],
        [withJsonField('settings', 'seqLength', 0), /metadata 'settings': seqLength must be an integer from 1 to 4096, got 0/],
        [withJsonField('settings', 'optimizer', 'sgd'), /metadata 'settings': 'optimizer' must be 'adam' or 'adagrad'/],
        [withMeta('schedule', '[]'), /metadata 'schedule' must be a JSON object/],
        [withMeta('step', '0x10'), /metadata 'step' must be a whole number, got '0x10'/],
        [withMeta('step', '1e3'), /metadata 'step' must be a whole number/],
        [withMeta('chars_seen', '-1'), /metadata 'chars_seen' must be a number >= 0, got '-1'/],
        [withMeta('format_version', '1.0'), /format_version '1\.0' is not a version number/],
        [withMeta('config', '{"layers":true}'), /metadata 'config': 'layers' must be an integer from 1 to 4, got true/],
      ];
      for (const [bytes, pattern] of cases) assertRefused(() => decodeCheckpoint(bytes, 'checkpoint', defaultKernels()), pattern);
    });

    it('the same refusal for --resume (loadCheckpoint, which the training job uses)', async () => {
      const file = path.join(tmp, 'null-config.safetensors');
      fs.writeFileSync(file, withMeta('config', 'null'));
      await assertRefusedAsync(loadCheckpoint(file, defaultKernels()), /null-config\.safetensors: metadata 'config' must be a JSON object, got null/);
    });

    it('a checkpoint with valid metadata loads and re-encodes to the same bytes', () => {
      const loaded = decodeCheckpoint(good, 'checkpoint', defaultKernels());
      assert.ok(Buffer.from(encodeCheckpoint(loaded.model, loaded.training)).equals(Buffer.from(good)));
    });
  });

  describe('kind 3: sizes from a file are range-checked before they are used', () => {
    it('direct.rowsPerOrder = 1039431328, or any value that wraps the 32-bit row count back to the real one (loaded, then NaN samples)', () => {
      // the issue's model had V = 107 and 8 orders; here V = 107 and 6 orders hashed into 200 rows each but the
      // first: 108 + 5 x 200 = 1,108 rows. With 2,078,824,012 rows per order, orders 2 to 4 become exact and the
      // count is 108 + 11,664 + 1,259,712 + 136,048,896 + 2 x 2,078,824,012 = 2^32 + 1,108: the same in 32 bits.
      const symbols = [''];
      for (let i = 1; i < 107; i++) symbols.push(String.fromCharCode(0x100 + i));
      const model = RnnModel.create({ vocabSize: 107, hiddenSize: 16, layers: 1 }, new Vocab(symbols), 1, defaultKernels());
      model.direct = new DirectConnections({ orders: 6, rowsPerOrder: 200, vocabSize: 107 });
      const hashed = encodeCheckpoint(model);
      assert.equal(decodeCheckpoint(hashed, 'checkpoint', defaultKernels()).model.direct!.rowCount, 1108);
      const wrapping = reencode(hashed, (_t, m) => { m.direct = JSON.stringify({ ...JSON.parse(m.direct), rowsPerOrder: 2078824012 }); });
      assertRefused(() => decodeCheckpoint(wrapping, 'checkpoint', defaultKernels()), /metadata 'direct' is invalid: a direct-connection table of 4294968404 rows x 107 symbols is too large/);
      const issue = reencode(hashed, (_t, m) => { m.direct = JSON.stringify({ ...JSON.parse(m.direct), rowsPerOrder: 1039431328 }); });
      assertRefused(() => decodeCheckpoint(issue, 'checkpoint', defaultKernels()), /metadata 'direct' is invalid: a direct-connection table of \d+ rows x 107 symbols is too large/);
    });

    it('direct.rowsPerOrder = 10^12 (was: "expected [-236440644, 107]")', () => {
      const { message } = assertRefused(() => decodeCheckpoint(withJsonField('direct', 'rowsPerOrder', 1e12), 'checkpoint', defaultKernels()), /metadata 'direct': 'rowsPerOrder' must be an integer from 1 to 2147483647, got 1000000000000/);
      assert.doesNotMatch(message, /-\d/);
    });

    it('DirectConnections computes row counts in doubles: no wrap for any rowsPerOrder', () => {
      for (const rowsPerOrder of [2 ** 29 + 3, 1039431328, 2 ** 31 - 1]) {
        const config = { orders: 8, rowsPerOrder, vocabSize: 100 };
        assert.ok(DirectConnections.rowTotal(config) > 2 ** 31, String(rowsPerOrder));
        assert.throws(() => DirectConnections.validate(config), /too large/);
        assert.throws(() => DirectConnections.layout(config), /too large/);
      }
    });

    it('a 1 KB file that declares H = 1024 and V = 65,536 is refused before 540 MB of parameters are allocated', () => {
      const symbols = [''];
      for (let i = 1; i < 65536; i++) symbols.push(String.fromCodePoint(0x10000 + i));
      const header = {
        __metadata__: { vocab: JSON.stringify(symbols) },
        'rnn.weight_hh_l0': { dtype: 'F32', shape: [1024, 0], data_offsets: [0, 0] },
        'rnn.weight_ih_l0': { dtype: 'F32', shape: [1024, 0], data_offsets: [0, 0] },
      };
      const kernels = countingKernels();
      assertRefused(() => decodeCheckpoint(buildFile(header, new Uint8Array(0)), 'tiny', kernels), /tensor 'rnn\.weight_ih_l0' has shape \[1024, 0\], expected \[1024, 65536\]/);
      assert.equal(kernels.allocated, 0, 'nothing allocated for a file that is refused');
    });

    it('shapes whose element count overflows and header lengths up to 2^64 - 1', () => {
      const shapes = [[2 ** 40, 2 ** 40], [2 ** 53 - 1, 2], [2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, 0]];
      for (const shape of shapes) {
        const file = buildFile({ x: { dtype: 'F32', shape, data_offsets: [0, 4] } }, new Uint8Array(4));
        assertRefused(() => decodeSafetensors(file));
      }
      for (const length of [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, BigInt(good.length)]) {
        const bytes = Uint8Array.from(good);
        new DataView(bytes.buffer).setBigUint64(0, length, true);
        assertRefused(() => decodeCheckpoint(bytes, 'checkpoint', defaultKernels()), /header length \d+ exceeds the file size/);
      }
    });
  });

  describe('kind 4: a flipped bit anywhere in the file is detected', () => {
    it('one bit of a vocabulary symbol in the header, ─ to ━ (loaded silently before)', () => {
      const { headerText } = splitFile(good);
      const at = 8 + Buffer.byteLength(headerText.slice(0, headerText.indexOf('─'))) + 2; // E2 94 80 -> E2 94 81
      const flipped = Uint8Array.from(good);
      flipped[at] ^= 1;
      assert.ok(new TextDecoder().decode(flipped.subarray(8, splitFile(good).dataStart)).includes('━'));
      assertRefused(() => decodeCheckpoint(flipped, 'checkpoint', defaultKernels()), /header checksum mismatch/, /corrupt/);
    });

    it('every byte of the length prefix, the header and its padding (one bit each)', () => {
      const { dataStart } = splitFile(good);
      for (let byte = 0; byte < dataStart; byte++) {
        const flipped = Uint8Array.from(good);
        flipped[byte] ^= 1 << (byte % 8);
        assertRefused(() => decodeCheckpoint(flipped, 'checkpoint', defaultKernels()));
      }
    });

    it('the header checksum itself removed, or format_version lowered to 1, is refused', () => {
      const { header, data } = splitFile(good);
      const meta = header.__metadata__ as Record<string, string>;
      const stripped = buildFile({ ...header, __metadata__: { ...meta, header_crc32: undefined } }, data);
      assertRefused(() => decodeCheckpoint(stripped, 'checkpoint', defaultKernels()), /format 2 needs the header checksum 'header_crc32', which is missing/);
      const noData = buildFile({ ...header, __metadata__: { ...meta, header_crc32: undefined, crc32: undefined, format_version: '1' } }, data);
      assertRefused(() => decodeCheckpoint(noData, 'checkpoint', defaultKernels()), /the data checksum 'crc32' is missing/);
    });

    it('a checkpoint of format 1 (written before this change) loads, and its data checksum is still verified', () => {
      const old = format1Checkpoint();
      assert.equal(decodeSafetensors(old).metadata.format_version, '1');
      assert.equal(decodeSafetensors(old).metadata.header_crc32, undefined);
      const loaded = decodeCheckpoint(old, 'checkpoint', defaultKernels());
      assert.equal(loaded.model.vocab.size, SYMBOLS.length);
      assert.equal(loaded.training!.step, 4);
      assert.ok(loaded.model.direct);
      const flipped = Uint8Array.from(old);
      flipped[flipped.length - 9] ^= 0x10;
      assertRefused(() => decodeCheckpoint(flipped, 'checkpoint', defaultKernels()), /checksum mismatch/);
      assert.equal(FORMAT_VERSION, 2);
      const rewritten = decodeSafetensors(encodeCheckpoint(loaded.model, loaded.training)).metadata;
      assert.equal(rewritten.format_version, '2');
      assert.match(rewritten.header_crc32, /^[0-9a-f]{8}$/);
    });

    it('a file written by PyTorch (no checksum, no format) still loads', () => {
      const { header, data } = splitFile(good);
      const torch: Record<string, unknown> = { __metadata__: { vocab: (header.__metadata__ as Record<string, string>).vocab } };
      for (const [name, entry] of Object.entries(header)) if (name.startsWith('rnn.') || name.startsWith('out.')) torch[name] = entry;
      // the kept tensors' bytes, laid out again from offset 0
      const entries = Object.entries(torch).filter(([n]) => n !== '__metadata__') as [string, { data_offsets: number[] }][];
      const parts: Uint8Array[] = [];
      let offset = 0;
      for (const [, entry] of entries) {
        const [b, e] = entry.data_offsets;
        parts.push(data.subarray(b, e));
        entry.data_offsets = [offset, offset + e - b];
        offset += e - b;
      }
      const file = buildFile(torch, Buffer.concat(parts));
      assert.deepEqual(Object.keys(decodeSafetensors(file).metadata), ['vocab']);
      const loaded = decodeCheckpoint(file, 'torch.safetensors', defaultKernels());
      assert.deepEqual(Array.from(loaded.model.params), Array.from(decodeCheckpoint(good, 'checkpoint', defaultKernels()).model.params));
    });
  });

  describe('kind 5: only a regular file is read, and no further than it holds', () => {
    it('a FIFO is refused at once (sample --model FIFO, train --resume FIFO hung forever)', async function () {
      const fifo = path.join(tmp, 'model.fifo');
      if (!mkfifo(fifo)) this.skip();
      await assertRefusedAsync(loadCheckpoint(fifo, defaultKernels()), /model\.fifo: cannot read the checkpoint: it is a named pipe \(FIFO\), not a regular file/);
      await assertRefusedAsync(readSafetensorsFile(fifo), /named pipe/);
      await assertRefusedAsync(readSafetensorsBytes(fifo), /named pipe/); // the editor's Import Model
    });

    it('the editor\'s loader (a worker thread) refuses a FIFO and a device too', async function () {
      const fifo = path.join(tmp, 'worker.fifo');
      if (!mkfifo(fifo)) this.skip();
      const worker = path.join(repoRoot(), 'out', 'src', 'core', 'checkpoint', 'worker', 'checkpoint-worker.js');
      await assertRefusedAsync(loadCheckpointInWorker(fifo, fastKernels, worker), /named pipe \(FIFO\)/);
      if (fs.existsSync('/dev/zero')) await assertRefusedAsync(loadCheckpointInWorker('/dev/zero', fastKernels, worker), /character device/);
    });

    it('/dev/zero, and a link to it, are refused without reading (it passed 1.5 GB)', async function () {
      if (!fs.existsSync('/dev/zero')) this.skip();
      await assertRefusedAsync(loadCheckpoint('/dev/zero', defaultKernels()), /\/dev\/zero: cannot read the checkpoint: it is a character device, not a regular file/);
      const link = path.join(tmp, 'zero.safetensors');
      fs.symlinkSync('/dev/zero', link);
      await assertRefusedAsync(loadCheckpoint(link, defaultKernels()), /character device/);
    });

    it('a large file whose header length exceeds it, or whose header is garbage, is refused after reading only its start', async () => {
      const big = path.join(tmp, 'big.safetensors');
      const fd = fs.openSync(big, 'w');
      const prefix = Buffer.alloc(16);
      prefix.writeBigUInt64LE(64n, 0);
      prefix.write('{"x": nonsense', 8);
      fs.writeSync(fd, prefix, 0, 16, 0);
      fs.ftruncateSync(fd, 512 * 2 ** 20); // sparse: 512 MB that costs no disk
      fs.closeSync(fd);
      const before = process.memoryUsage().arrayBuffers;
      await assertRefusedAsync(loadCheckpoint(big, defaultKernels()), /header is not valid JSON/);
      assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 2 ** 20, 'the data region was not read');
      const fd2 = fs.openSync(big, 'r+');
      prefix.writeBigUInt64LE(2n ** 40n, 0);
      fs.writeSync(fd2, prefix, 0, 8, 0);
      fs.closeSync(fd2);
      await assertRefusedAsync(loadCheckpoint(big, defaultKernels()), /header length 1099511627776 exceeds the file size \(536870912 bytes\)/);
    });

    it('a missing file keeps its code (the editor shows "no model" for it)', async () => {
      const err = await assertRefusedAsync(loadCheckpoint(path.join(tmp, 'none.safetensors'), defaultKernels()), /no such file/);
      assert.ok(err);
      await loadCheckpoint(path.join(tmp, 'none.safetensors'), defaultKernels()).catch((e: CheckpointFormatError) => assert.equal(e.code, 'ENOENT'));
    });
  });

  describe('kind 8: temporary files of a killed writer are removed on the next write or load', () => {
    /** A child that leaves a temp file of `target` named as writeFileAtomic names it, then waits to be killed. */
    async function startWriter(target: string): Promise<{ pid: number; temp: string; kill: () => Promise<void> }> {
      const script = `const fs=require('fs');const t=process.argv[1]+'.tmp-'+process.pid+'-0123456789ab';fs.writeFileSync(t,Buffer.alloc(4096));process.stdout.write(t+'\\n');setInterval(()=>{},1000);`;
      const child = spawn(process.execPath, ['-e', script, target], { stdio: ['ignore', 'pipe', 'inherit'] });
      const temp = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
        child.once('exit', (code) => reject(new Error(`writer exited ${code}`)));
      });
      const kill = () => new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
      return { pid: child.pid!, temp, kill };
    }

    it('kill -9 during a write: the temp file stays while the writer lives, and the next save removes it', async () => {
      const target = path.join(tmp, 'kill.safetensors');
      const model = RnnModel.create({ vocabSize: SYMBOLS.length, hiddenSize: 16, layers: 1 }, new Vocab(SYMBOLS), 1, defaultKernels());
      const writer = await startWriter(target);
      assert.ok(fs.existsSync(writer.temp));
      await saveCheckpoint(target, model);
      assert.ok(fs.existsSync(writer.temp), 'a live writer\'s recent temp file is left alone');
      await writer.kill();
      await saveCheckpoint(target, model);
      assert.ok(!fs.existsSync(writer.temp), 'the killed writer\'s temp file is removed by the next save');
      assert.deepEqual(fs.readdirSync(tmp).filter((n) => n.startsWith('kill.')), ['kill.safetensors']);
    });

    it('the next load removes them too; another checkpoint\'s and other names are kept; old ones of a live pid go', async () => {
      const target = path.join(tmp, 'load.safetensors');
      fs.writeFileSync(target, good);
      const writer = await startWriter(target);
      await writer.kill();
      const other = `${path.join(tmp, 'other.safetensors')}.tmp-${writer.pid}-0123456789ab`;
      const unrelated = `${target}.tmp-notes`;
      const oldLive = `${target}.tmp-${process.pid}-abcdefabcdef`;
      for (const f of [other, unrelated, oldLive]) fs.writeFileSync(f, 'x');
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      fs.utimesSync(oldLive, twoHoursAgo, twoHoursAgo);
      await loadCheckpoint(target, defaultKernels());
      assert.ok(!fs.existsSync(writer.temp), 'a dead writer\'s temp file');
      assert.ok(!fs.existsSync(oldLive), 'a temp file hours old');
      assert.ok(fs.existsSync(other), 'another checkpoint\'s temp file is not this load\'s business');
      assert.ok(fs.existsSync(unrelated), 'a name writeFileAtomic never makes');
      assert.deepEqual(await removeStaleTempFiles(path.join(tmp, 'other.safetensors')), [other]);
    });

    it('writeFileAtomic itself cleans before writing, and never fails because of cleaning', async () => {
      const target = path.join(tmp, 'plain.bin');
      const stale = `${target}.tmp-999999999-0123456789ab`;
      fs.writeFileSync(stale, 'x');
      await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
      assert.ok(!fs.existsSync(stale));
      assert.deepEqual(await removeStaleTempFiles(path.join(tmp, 'no-such-folder', 'x')), []);
    });
  });
});

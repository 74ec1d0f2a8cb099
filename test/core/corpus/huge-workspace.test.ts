/**
 * A huge workspace: 50,000 files, a 40 MB minified file and binary files. The walk's memory is bounded
 * by the corpus cap, not by the folder, and it can be cancelled midway.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCorpus } from '../../../src/core/corpus/corpus';

describe('a huge workspace', function () {
  this.timeout(120_000);
  let root: string;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'huge-workspace-'));
    for (let d = 0; d < 100; d++) {
      const dir = path.join(root, `pkg${d}`);
      fs.mkdirSync(dir);
      for (let f = 0; f < 500; f++) fs.writeFileSync(path.join(dir, `m${f}.js`), `export const v${d}_${f} = ${d * f};\n`.repeat(4));
    }
    // a 40 MB minified bundle: one long line
    const fd = fs.openSync(path.join(root, 'bundle.js'), 'w');
    const chunk = Buffer.from('var a=1,b=2;function c(d){return d+a+b};'.repeat(25_000));
    for (let written = 0; written < 40 * 1024 * 1024; written += chunk.length) fs.writeSync(fd, chunk);
    fs.closeSync(fd);
    fs.writeFileSync(path.join(root, 'data.bin'), Buffer.alloc(1 << 20, 0));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads at most the corpus cap, skips the big and binary files, with memory bounded by the cap', async () => {
    const cap = 2 * 1024 * 1024;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = 0;
    const corpus = await readCorpus([root], {
      maxCorpusBytes: cap,
      onProgress: () => (peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore)),
    });
    assert.ok(corpus.totalBytes <= cap, `${corpus.totalBytes} bytes read`);
    assert.ok(corpus.totalBytes > cap * 0.9, 'the cap is filled');
    const reasons = new Map(corpus.skipped.map((s) => [s.relPath, s.reason]));
    assert.equal(reasons.get('bundle.js'), 'too-large');
    assert.ok(['binary', 'not-text-extension'].includes(reasons.get('data.bin')!));
    assert.ok(corpus.skipped.filter((s) => s.reason === 'corpus-cap').length > 25_000, 'the files past the cap are reported, not read');
    // the 40 MB file and the 48 MB past the cap never came into memory
    assert.ok(peak < 64 * 1024 * 1024, `heap grew by ${(peak / 1048576).toFixed(1)} MB during the walk`);
  });

  it('can be cancelled midway through the walk', async () => {
    const controller = new AbortController();
    let seen = 0;
    const walk = readCorpus([root], {
      signal: controller.signal,
      onProgress: (p) => {
        seen = p.filesSeen;
        if (p.filesSeen >= 1000) controller.abort();
      },
    });
    await assert.rejects(walk, (err: Error) => err.name === 'AbortError');
    assert.ok(seen >= 1000 && seen < 5000, `stopped after ${seen} files`);
  });
});

/** The corpus walk (walk.ts): order and paths, roots, links, caps, cancellation and progress, and every path used or reported. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { Corpus, readCorpus, summarizeSkipped } from '../../../src/core/corpus/corpus';
import { prepareData } from '../../../src/core/train/prepare';
import { accepted, skippedAs, skippedEntry, spyOnFileAccess, tmp, useTempFolder, write } from '../../helpers/corpus';

describe('corpus: readCorpus', () => {
  useTempFolder();

  it('walks folders in name order (plain string comparison) and returns posix relative paths', async () => {
    write('b.txt', 'bee\n');
    write('B.txt', 'big bee\n');
    write('a/z.txt', 'zed\n');
    write('a/c/d.txt', 'dee\n');
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), ['B.txt', 'a/c/d.txt', 'a/z.txt', 'b.txt']);
    assert.equal(corpus.files[0].path, path.join(tmp, 'B.txt'));
    assert.deepEqual(corpus.roots, [tmp]);
    assert.equal(corpus.totalBytes, 4 + 8 + 4 + 4);
  });

  it('skips a file over maxFileBytes as too-large from its stat, without opening it', async () => {
    const huge = path.join(tmp, 'huge.txt');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 2 * 1024 * 1024); // sparse: instant, and all NUL bytes, so reading it would say 'binary'
    fs.chmodSync(huge, 0o000); // stops a non-root reader: 'unreadable' would prove a read was attempted
    write('small.txt', 'small\n');
    const spy = spyOnFileAccess();
    let corpus: Corpus;
    try {
      corpus = await readCorpus([tmp]);
    } finally {
      spy.restore();
      fs.chmodSync(huge, 0o644);
    }
    assert.ok(!spy.touched.includes(huge), 'the too-large file must not be opened');
    const entry = skippedEntry(corpus, 'huge.txt');
    assert.equal(entry.reason, 'too-large');
    assert.equal(entry.detail, '2 MB > 1 MB per-file cap');
    assert.deepEqual(accepted(corpus), ['small.txt']);

    const smallCap = await readCorpus([tmp], { maxFileBytes: 3 });
    assert.equal(skippedEntry(smallCap, 'small.txt').reason, 'too-large');
  });

  it('skips files that do not fit the corpus cap and keeps walking so that smaller later files fill it', async () => {
    write('a.txt', 'a'.repeat(599) + '\n');
    write('b.txt', 'b'.repeat(599) + '\n');
    write('c.txt', 'c'.repeat(299) + '\n');
    write('d.txt', 'd'.repeat(200) + '\n');
    const corpus = await readCorpus([tmp], { maxCorpusBytes: 1000 });
    assert.deepEqual(accepted(corpus), ['a.txt', 'c.txt']);
    assert.deepEqual(skippedAs(corpus, 'corpus-cap'), ['b.txt', 'd.txt']);
    assert.equal(corpus.totalBytes, 900);
    assert.match(skippedEntry(corpus, 'b.txt').detail, /600 B > 400 B left of the 1000 B corpus cap/);
    assert.ok(corpus.warnings.some((warning) => /corpus cap/.test(warning)));
  });

  it('prefixes relative paths with the root basename when several roots are given, files included', async () => {
    write('alpha/x.ts', 'x\n');
    write('beta/y.ts', 'y\n');
    write('beta/skip.png', 'y\n');
    const single = write('gamma/z.txt', 'z\n');
    const corpus = await readCorpus([path.join(tmp, 'alpha'), path.join(tmp, 'beta'), single]);
    assert.deepEqual(accepted(corpus), ['alpha/x.ts', 'beta/y.ts', 'z.txt']);
    assert.deepEqual(skippedAs(corpus, 'not-text-extension'), ['beta/skip.png']);
    assert.deepEqual(corpus.roots, [path.join(tmp, 'alpha'), path.join(tmp, 'beta'), single]);
  });

  it('checks a file given directly for content but not against ignore rules', async () => {
    write('.gitignore', '*.txt\n');
    const text = write('notes.txt', 'kept although ignored\n');
    const binary = write('blob.txt', Buffer.from([0x61, 0x00, 0x62]));
    const corpus = await readCorpus([text, binary]);
    assert.deepEqual(accepted(corpus), ['notes.txt']);
    assert.equal(skippedEntry(corpus, 'blob.txt').reason, 'binary');
  });

  it('throws "path not found" for a missing path', async () => {
    const missing = path.join(tmp, 'does-not-exist');
    await assert.rejects(readCorpus([missing]), { message: `path not found: ${missing}` });
  });

  it('does not follow folder symlinks, reads a file once whatever links lead to it, and reports an unreadable entry without stopping', async () => {
    write('real/a.txt', 'real\n');
    write('real/b.txt', 'only linked to from outside its folder\n');
    fs.symlinkSync(path.join(tmp, 'real'), path.join(tmp, 'linked-dir'), 'dir');
    fs.symlinkSync(path.join(tmp, 'real', 'a.txt'), path.join(tmp, 'linked-file.txt'));
    fs.symlinkSync(path.join(tmp, 'loop'), path.join(tmp, 'loop')); // stat fails with ELOOP
    write('z.txt', 'after the bad entry\n');
    const corpus = await readCorpus([tmp]);
    // the file under its own name comes first; the link to it is reported as the same file
    assert.deepEqual(accepted(corpus), ['real/a.txt', 'real/b.txt', 'z.txt']);
    assert.deepEqual(skippedAs(corpus, 'duplicate'), ['linked-file.txt']);
    assert.match(skippedEntry(corpus, 'linked-file.txt').detail, /the same file as real\/a\.txt/);
    assert.deepEqual(skippedAs(corpus, 'folder-link'), ['linked-dir']);
    assert.deepEqual(skippedAs(corpus, 'unreadable'), ['loop']);
    assert.match(skippedEntry(corpus, 'loop').detail, /ELOOP/);
    // a link to a file no other path reaches is read, under the link's name
    const only = await readCorpus([path.join(tmp, 'real', 'a.txt'), tmp], { valFraction: 0 });
    assert.equal(skippedEntry(only, path.basename(tmp) + '/real/a.txt').reason, 'duplicate', 'a root file also inside a root folder is read once');
  });

  it('cancels through an AbortSignal, before and during the walk, with an AbortError', async () => {
    for (let i = 0; i < 250; i++) write(`many/f${i}.txt`, `${i}\n`);
    const before = new AbortController();
    before.abort();
    await assert.rejects(readCorpus([tmp], { signal: before.signal }), { name: 'AbortError', message: 'corpus walk cancelled' });

    const during = new AbortController();
    const progress: number[] = [];
    const walk = readCorpus([tmp], {
      signal: during.signal,
      onProgress: ({ filesSeen }) => {
        progress.push(filesSeen);
        during.abort();
      },
    });
    await assert.rejects(walk, { name: 'AbortError', message: 'corpus walk cancelled' });
    assert.deepEqual(progress, [100]);
  });

  it('reports progress every 100 files and once at the end', async () => {
    for (let i = 0; i < 250; i++) write(`f${i}.txt`, `${i}\n`);
    const progress: { filesSeen: number; bytesAccepted: number }[] = [];
    const corpus = await readCorpus([tmp], { onProgress: (p) => progress.push({ ...p }) });
    assert.deepEqual(progress.map((p) => p.filesSeen), [100, 200, 250]);
    assert.equal(progress[2].bytesAccepted, corpus.totalBytes);
  });
});

/** Makes a FIFO with mkfifo(1); false where there is none (Windows). */
function mkfifo(absPath: string): boolean {
  if (process.platform === 'win32') return false;
  return spawnSync('mkfifo', [absPath]).status === 0;
}

// issue 12, kind 9: every path walked is used or reported with a reason; each real file is read once;
// nothing outside the folders given is read unless allowed; a FIFO is never opened
describe('corpus: every path used or reported', () => {
  useTempFolder();

  it('reports folder links (a loop to .., a sibling folder), never following them', async () => {
    write('ws/src/a.js', 'let a = 1;\n');
    write('ws/sibling/s.txt', 'sibling text\n');
    fs.symlinkSync('..', path.join(tmp, 'ws', 'src', 'up'), 'dir');
    fs.symlinkSync('../sibling', path.join(tmp, 'ws', 'src', 'to-sibling'), 'dir');
    const corpus = await readCorpus([path.join(tmp, 'ws', 'src')], { valFraction: 0 });
    assert.deepEqual(accepted(corpus), ['a.js']);
    assert.deepEqual(skippedAs(corpus, 'folder-link'), ['to-sibling', 'up']);
    assert.match(skippedEntry(corpus, 'up').detail, /a link to the folder \.\.: folder links are not followed/);
    assert.equal(skippedEntry(corpus, 'up').isDirectory, true);
  });

  it('reports FIFOs, sockets and links to devices as special files without opening them', async function () {
    write('a.txt', 'text\n');
    if (!mkfifo(path.join(tmp, 'pipe'))) this.skip();
    fs.symlinkSync('/dev/null', path.join(tmp, 'devnull'));
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(tmp, 'sock'), resolve));
    const spy = spyOnFileAccess();
    try {
      const corpus = await readCorpus([tmp], { valFraction: 0 });
      assert.deepEqual(accepted(corpus), ['a.txt']);
      assert.deepEqual(skippedAs(corpus, 'special-file'), ['devnull', 'pipe', 'sock']);
      assert.match(skippedEntry(corpus, 'pipe').detail, /^a FIFO \(named pipe\): never opened$/);
      assert.match(skippedEntry(corpus, 'sock').detail, /^a socket/);
      assert.match(skippedEntry(corpus, 'devnull').detail, /^a link to a character device/);
      for (const name of ['pipe', 'sock', 'devnull']) assert.ok(!spy.touched.includes(path.join(tmp, name)), `${name} was opened`);
    } finally {
      spy.restore();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a FIFO given directly, or named .gitignore, never blocks the walk', async function () {
    write('a.txt', 'text\n');
    if (!mkfifo(path.join(tmp, '.gitignore')) || !mkfifo(path.join(tmp, 'given'))) this.skip();
    const corpus = await readCorpus([tmp], { valFraction: 0 });
    assert.deepEqual(accepted(corpus), ['a.txt']);
    assert.deepEqual(skippedAs(corpus, 'special-file'), ['.gitignore', 'given']);
    assert.ok(corpus.warnings.some((w) => /^\.gitignore: cannot read ignore rules \(it is a FIFO/.test(w)), corpus.warnings.join('\n'));
    const direct = await readCorpus([path.join(tmp, 'given')]);
    assert.equal(direct.files.length, 0);
    assert.match(skippedEntry(direct, 'given').detail, /FIFO/);
  });

  it('reads a file once: a symbolic link or a hard link to a file already read is a duplicate', async () => {
    write('src/a.js', 'let a = 1;\n');
    fs.symlinkSync(path.join(tmp, 'src', 'a.js'), path.join(tmp, 'a-link.js'));
    fs.linkSync(path.join(tmp, 'src', 'a.js'), path.join(tmp, 'src', 'hard.js'));
    const corpus = await readCorpus([tmp], { valFraction: 0 });
    assert.deepEqual(accepted(corpus), ['src/a.js']);
    assert.deepEqual(skippedAs(corpus, 'duplicate').sort(), ['a-link.js', 'src/hard.js']);
    assert.equal(corpus.totalChars, 'let a = 1;\n'.length, 'the text is counted once');
  });

  it('skips a link that leads outside the folders given, unless readOutsideRoots allows it', async () => {
    write('ws/a.txt', 'inside\n');
    write('elsewhere/secret.txt', 'outside the workspace\n');
    fs.symlinkSync(path.join(tmp, 'elsewhere', 'secret.txt'), path.join(tmp, 'ws', 'secret-link.txt'));
    const ws = path.join(tmp, 'ws');
    const corpus = await readCorpus([ws], { valFraction: 0 });
    assert.deepEqual(accepted(corpus), ['a.txt']);
    assert.deepEqual(skippedAs(corpus, 'outside-roots'), ['secret-link.txt']);
    assert.match(skippedEntry(corpus, 'secret-link.txt').detail, /elsewhere.secret\.txt, outside the folders given/);
    const allowed = await readCorpus([ws], { valFraction: 0, readOutsideRoots: true });
    assert.deepEqual(accepted(allowed), ['a.txt', 'secret-link.txt']);
    // a link into another folder given is inside
    const both = await readCorpus([ws, path.join(tmp, 'elsewhere')], { valFraction: 0 });
    assert.deepEqual(accepted(both), ['ws/a.txt', 'elsewhere/secret.txt']);
    assert.deepEqual(skippedAs(both, 'duplicate'), ['ws/secret-link.txt']);
  });

  it('a folder of only binaries says why nothing could be used', async () => {
    write('bin/x.bin', Buffer.from([1, 2, 3]));
    write('bin/y', Buffer.from([0, 1, 2]));
    const corpus = await readCorpus([path.join(tmp, 'bin')], { valFraction: 0 });
    assert.equal(corpus.files.length, 0);
    assert.throws(() => prepareData(corpus), (err: Error) => {
      assert.equal(err.message, 'no usable text file was found: nothing to train on (2 paths skipped: 1 binary (first: y, NUL byte at offset 0), '
        + '1 not-text-extension (first: x.bin, ".bin" files are not text))');
      return true;
    });
    assert.match(summarizeSkipped(await readCorpus([path.join(tmp, 'bin', 'y')])), /1 path skipped: 1 binary/);
  });
});

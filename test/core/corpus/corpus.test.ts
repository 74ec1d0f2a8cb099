import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { Corpus, formatCorpusReport, readCorpus, SkippedEntry, SkipReason, splitOf, summarizeSkipped } from '../../../src/core/corpus/corpus';
import { prepareData } from '../../../src/core/train/prepare';
import { estimatedJaccard, minHashSketch, nearDuplicatePairs } from '../../../src/core/corpus/split';

/** Each test gets a fresh folder, removed afterwards. */
let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-corpus-'));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Writes `content` at `relPath` under the test folder, creating the folders on the way. */
function write(relPath: string, content: string | Uint8Array): string {
  const absPath = path.join(tmp, relPath);
  fs.mkdirSync(path.dirname(absPath), { recursive: true });
  fs.writeFileSync(absPath, content);
  return absPath;
}

function accepted(corpus: Corpus): string[] {
  return corpus.files.map((file) => file.relPath);
}

function skippedAs(corpus: Corpus, reason: SkipReason): string[] {
  return corpus.skipped.filter((entry) => entry.reason === reason).map((entry) => entry.relPath);
}

function skippedEntry(corpus: Corpus, relPath: string): SkippedEntry {
  const entry = corpus.skipped.find((candidate) => candidate.relPath === relPath);
  assert.ok(entry, `${relPath} should be skipped; skipped: ${corpus.skipped.map((s) => s.relPath).join(', ')}`);
  return entry;
}

function textOf(corpus: Corpus, relPath: string): string {
  const file = corpus.files.find((candidate) => candidate.relPath === relPath);
  assert.ok(file, `${relPath} should be accepted; accepted: ${accepted(corpus).join(', ')}`);
  return file.text;
}

/**
 * Records every path the reader opens, reads or lists, by wrapping the shared `fs.promises` functions
 * (the module under test calls them through the same object).
 */
function spyOnFileAccess(): { touched: string[]; restore: () => void } {
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

/** `words` words of made-up text that shares no 5-word run with another seed's (a xorshift generator). */
function distinctText(seed: number, words: number): string {
  const syllables = ['ka', 'lo', 'mi', 'nu', 're', 'sa', 'ti', 'vo', 'we', 'zu', 'po', 'qi', 'ba', 'de', 'fi', 'go'];
  let x = (seed * 2654435761 + 12345) >>> 0 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    let word = '';
    for (let k = 0, n = 2 + (next() % 3); k < n; k++) word += syllables[next() % syllables.length];
    out.push(word);
  }
  return out.join(' ').replace(/(\S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+) /g, '$1\n') + '\n';
}

/** One page of documentation, as Markdown, as HTML and as a man page. */
const GUIDE_MD = `# Guide

Mocha is a feature-rich JavaScript test framework running on **Node.js** and in the browser, making
asynchronous testing *simple* and fun. Mocha tests run serially, allowing for flexible and accurate
reporting, while mapping uncaught exceptions to the correct test cases.

## Installing

Install with \`npm\` globally and then run the \`mocha\` command in your project folder. The command
looks for tests in the \`./test\` folder by default, and reports each failure with its stack trace.
`;
const GUIDE_HTML = `<!DOCTYPE html>
<html><head><title>Guide</title></head>
<body>
<h1>Guide</h1>
<p>Mocha is a feature-rich JavaScript test framework running on <strong>Node.js</strong> and in the browser, making
asynchronous testing <em>simple</em> and fun. Mocha tests run serially, allowing for flexible and accurate
reporting, while mapping uncaught exceptions to the correct test cases.</p>
<h2 id="installing">Installing</h2>
<p>Install with <code>npm</code> globally and then run the <code>mocha</code> command in your project folder. The command
looks for tests in the <code>./test</code> folder by default, and reports each failure with its stack trace.</p>
</body></html>
`;
const GUIDE_TROFF = `.TH GUIDE 1 "2024" "mocha" "User Commands"
.SH GUIDE
Mocha is a feature\\-rich JavaScript test framework running on \\fBNode.js\\fR and in the browser, making
asynchronous testing \\fIsimple\\fP and fun. Mocha tests run serially, allowing for flexible and accurate
reporting, while mapping uncaught exceptions to the correct test cases.
.SH INSTALLING
Install with \\fBnpm\\fR globally and then run the \\fBmocha\\fR command in your project folder. The command
looks for tests in the \\fB./test\\fR folder by default, and reports each failure with its stack trace.
`;

describe('corpus: readCorpus', () => {
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

  it('honours nested .gitignore files with negation and folder-relative patterns', async () => {
    write('.gitignore', '*.log\n/top-only.txt\ndocs/*.md\n');
    write('app.log', 'ignored by the root\n');
    write('top-only.txt', 'anchored at the root\n');
    write('docs/guide.md', 'ignored: docs/*.md\n');
    write('main.ts', 'export {};\n');
    write('sub/.gitignore', '!keep.log\n/local.txt\n');
    write('sub/keep.log', 're-included by sub/.gitignore\n');
    write('sub/other.log', 'still ignored\n');
    write('sub/local.txt', 'anchored to sub/\n');
    write('sub/top-only.txt', 'the root pattern is anchored to the root\n');
    write('sub/docs/guide.md', 'docs/*.md of the root does not reach sub/docs\n');
    write('sub/deeper/local.txt', '/local.txt of sub is anchored to sub\n');
    write('sub/deeper/keep.log', 'keep.log matches at any depth below sub\n');
    write('other/keep.log', 'the negation of sub does not apply here\n');

    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), [
      '.gitignore',
      'main.ts',
      'sub/.gitignore',
      'sub/deeper/keep.log',
      'sub/deeper/local.txt',
      'sub/docs/guide.md',
      'sub/keep.log',
      'sub/top-only.txt',
    ]);
    assert.deepEqual(skippedAs(corpus, 'ignored'), ['app.log', 'docs/guide.md', 'other/keep.log', 'sub/local.txt', 'sub/other.log', 'top-only.txt']);
    assert.match(skippedEntry(corpus, 'sub/other.log').detail, /"\*\.log" in \.gitignore/);
    assert.match(skippedEntry(corpus, 'sub/local.txt').detail, /"\/local\.txt" in sub\/\.gitignore/);
  });

  it('lets a nested .gitignore re-include a folder that a parent pattern excludes', async () => {
    write('.gitignore', 'pkg/gen/\n');
    write('pkg/.gitignore', '!gen/\n');
    write('pkg/gen/a.txt', 'kept\n');
    const corpus = await readCorpus([tmp]);
    assert.ok(accepted(corpus).includes('pkg/gen/a.txt'));
  });

  it('honours .git/info/exclude at the root', async () => {
    write('.git/info/exclude', 'secret.txt\n');
    write('secret.txt', 'excluded\n');
    write('public.txt', 'kept\n');
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), ['public.txt']);
    assert.deepEqual(skippedAs(corpus, 'ignored'), ['secret.txt']);
    assert.match(skippedEntry(corpus, 'secret.txt').detail, /\.git\/info\/exclude/);
  });

  it('reports an ignored folder once and never lists or reads what is inside', async () => {
    write('.gitignore', 'generated/\n');
    write('generated/a.txt', 'x\n');
    write('generated/deep/b.txt', 'y\n');
    write('src/c.txt', 'z\n');
    const spy = spyOnFileAccess();
    let corpus: Corpus;
    try {
      corpus = await readCorpus([tmp]);
    } finally {
      spy.restore();
    }
    const generated = path.join(tmp, 'generated');
    assert.deepEqual(
      spy.touched.filter((touched) => touched.startsWith(generated)),
      [],
    );
    assert.ok(spy.touched.includes(path.join(tmp, 'src', 'c.txt')), 'the spy should see the files that are read');
    assert.deepEqual(corpus.skipped, [
      { path: generated, relPath: 'generated', reason: 'ignored', detail: 'matched "generated/" in .gitignore', isDirectory: true },
    ]);
    assert.deepEqual(accepted(corpus), ['.gitignore', 'src/c.txt']);
  });

  it('skips the default excluded folders once each, unless useDefaultExcludes is false', async () => {
    write('node_modules/lib/index.js', 'module.exports = 1;\n');
    write('.git/config', '[core]\n');
    write('dist/app.js', 'bundle\n');
    write('src/__pycache__/m.txt', 'cache\n');
    write('src/app.ts', 'export const app = 1;\n');
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), ['src/app.ts']);
    assert.deepEqual(skippedAs(corpus, 'default-exclude'), ['.git', 'dist', 'node_modules', 'src/__pycache__']);
    assert.ok(corpus.skipped.every((entry) => entry.isDirectory));

    const everything = await readCorpus([tmp], { useDefaultExcludes: false });
    assert.deepEqual(accepted(everything), ['.git/config', 'dist/app.js', 'node_modules/lib/index.js', 'src/__pycache__/m.txt', 'src/app.ts']);
  });

  it('skips lock files, minified names, source maps and binary-ish extensions by name', async () => {
    for (const name of ['package-lock.json', 'yarn.lock', 'Cargo.lock', 'go.sum', 'custom.lock', 'app.min.js', 'style.min.css', 'app.js.map', 'logo.png', 'font.woff2', 'weights.safetensors']) {
      write(name, 'plain text that would otherwise pass every content check\n');
    }
    write('package.json', '{ "name": "x" }\n');
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), ['package.json']);
    assert.deepEqual(skippedAs(corpus, 'lock-file'), ['Cargo.lock', 'custom.lock', 'go.sum', 'package-lock.json', 'yarn.lock']);
    assert.deepEqual(skippedAs(corpus, 'minified'), ['app.js.map', 'app.min.js', 'style.min.css']);
    assert.deepEqual(skippedAs(corpus, 'not-text-extension'), ['font.woff2', 'logo.png', 'weights.safetensors']);
  });

  it('detects binary content by a NUL byte and by too many control characters', async () => {
    write('nul.txt', Buffer.from('abc\0def\n', 'latin1'));
    write('controls.txt', Buffer.concat([Buffer.from('some text '), Buffer.alloc(10, 0x01), Buffer.from('\n')]));
    write('ansi.log.txt', '\x1b[32mgreen\x1b[0m\tand\ttabs\f\v\r\n');
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), ['ansi.log.txt']);
    assert.match(skippedEntry(corpus, 'nul.txt').detail, /NUL byte at offset 3/);
    assert.equal(skippedEntry(corpus, 'controls.txt').reason, 'binary');
    assert.match(skippedEntry(corpus, 'controls.txt').detail, /control characters/);
  });

  it('decodes UTF-16 LE and BE files with a BOM, and strips a UTF-8 BOM', async () => {
    const text = 'héllo\r\nwörld 😀\n';
    const littleEndian = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const bigEndian = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    write('le.txt', littleEndian);
    write('be.txt', bigEndian);
    write('bom8.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x = 1\n')]));
    const corpus = await readCorpus([tmp]);
    assert.equal(textOf(corpus, 'le.txt'), 'héllo\nwörld 😀\n');
    assert.equal(textOf(corpus, 'be.txt'), 'héllo\nwörld 😀\n');
    assert.equal(textOf(corpus, 'bom8.txt'), 'x = 1\n');
    assert.deepEqual(corpus.warnings, []);
    // 'héllo\nwörld 😀\n' is 14 code points (15 UTF-16 code units), twice, plus 'x = 1\n'
    assert.equal(corpus.totalChars, 14 * 2 + 6);
    assert.equal(corpus.totalBytes, littleEndian.length + bigEndian.length + 9);
  });

  it('decodes invalid UTF-8 with replacement characters and a warning, and keeps a genuine U+FFFD silent', async () => {
    write('bad.txt', Buffer.concat([Buffer.from('ok '), Buffer.from([0xc3, 0x28]), Buffer.from(' end\n')]));
    write('genuine.txt', 'a literal \ufffd in valid UTF-8\n');
    const corpus = await readCorpus([tmp]);
    assert.equal(textOf(corpus, 'bad.txt'), 'ok \ufffd( end\n');
    assert.equal(textOf(corpus, 'genuine.txt'), 'a literal \ufffd in valid UTF-8\n');
    assert.deepEqual(corpus.warnings, ['bad.txt: not valid UTF-8, decoded with replacement characters']);
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

  it('detects minified content by its longest line and by its average line length, only from 4 KiB', async () => {
    write('one-line.js', 'var a=1;'.repeat(700) + '\n'); // 5601 bytes, one line over 5000 characters
    write('wide.js', ('x'.repeat(299) + '\n').repeat(20)); // 6000 bytes, 300 characters a line
    write('short-wide.js', ('x'.repeat(299) + '\n').repeat(10)); // 3000 bytes: under 4 KiB, kept
    write('normal.js', 'const value = compute(1, 2);\n'.repeat(300)); // 8700 bytes of short lines
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), ['normal.js', 'short-wide.js']);
    assert.match(skippedEntry(corpus, 'one-line.js').detail, /a line of 5600 characters/);
    assert.match(skippedEntry(corpus, 'wide.js').detail, /average line length 300/);
    assert.equal(skippedEntry(corpus, 'wide.js').reason, 'minified');
  });

  it('normalises CRLF and lone CR to LF', async () => {
    write('mixed.txt', 'one\r\ntwo\rthree\nfour\r\n');
    const corpus = await readCorpus([tmp]);
    assert.equal(textOf(corpus, 'mixed.txt'), 'one\ntwo\nthree\nfour\n');
    assert.equal(corpus.files[0].bytes, 21);
  });

  it('reports empty and whitespace-only files as empty, and an empty folder gives an empty corpus', async () => {
    write('zero.txt', '');
    write('blank.txt', '  \r\n\t\n');
    fs.mkdirSync(path.join(tmp, 'nothing'));
    const corpus = await readCorpus([tmp]);
    assert.deepEqual(accepted(corpus), []);
    assert.deepEqual(skippedAs(corpus, 'empty'), ['blank.txt', 'zero.txt']);

    const empty = await readCorpus([path.join(tmp, 'nothing')]);
    assert.deepEqual(empty.files, []);
    assert.deepEqual(empty.skipped, []);
    assert.equal(empty.totalBytes, 0);
    assert.equal(empty.totalChars, 0);
  });

  it('holds out whole folders, about valFraction of the characters, deterministically', async () => {
    for (let d = 0; d < 30; d++) {
      for (let f = 0; f < 3; f++) write(`pkg${String(d).padStart(2, '0')}/m${f}.js`, distinctText(100 * d + f, 20 + ((d * 7 + f) % 25)));
    }
    for (const fraction of [0.05, 0.1, 0.25]) {
      const corpus = await readCorpus([tmp], { valFraction: fraction });
      assert.equal(corpus.split.unit, 'folder');
      const sideOf = new Map<string, string>();
      for (const file of corpus.files) {
        const folder = file.relPath.split('/')[0];
        assert.equal(sideOf.get(folder) ?? file.split, file.split, `${folder} is split across both sides`);
        sideOf.set(folder, file.split);
      }
      const valChars = corpus.files.filter((f) => f.split === 'val').reduce((n, f) => n + [...f.text].length, 0);
      assert.equal(valChars, corpus.split.valChars);
      assert.ok(valChars <= fraction * corpus.totalChars, `${valChars} held-out characters of ${corpus.totalChars} at ${fraction}`);
      assert.ok(valChars >= 0.5 * fraction * corpus.totalChars, `only ${valChars} held-out characters of ${corpus.totalChars} at ${fraction}`);
      const again = await readCorpus([tmp], { valFraction: fraction });
      assert.deepEqual(again.files.map((f) => `${f.relPath}:${f.split}`), corpus.files.map((f) => `${f.relPath}:${f.split}`));
    }
    const none = await readCorpus([tmp], { valFraction: 0 });
    assert.ok(none.files.every((file) => file.split === 'train'));
  });

  it('keeps the same text under three names and formats (Markdown, HTML, a man page) on one side', async () => {
    write('docs/guide.md', GUIDE_MD);
    write('site/guide.html', GUIDE_HTML);
    write('man/guide.1', GUIDE_TROFF);
    for (let d = 0; d < 12; d++) write(`src${d}/index.js`, distinctText(d, 60));
    // web pages too, so that the copies' language has a share of the validation text to fill
    for (let d = 0; d < 12; d++) write(`pages${d}/index.html`, distinctText(100 + d, 60));
    let heldOut = 0;
    for (const fraction of [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5]) {
      const corpus = await readCorpus([tmp], { valFraction: fraction });
      const sides = ['docs/guide.md', 'site/guide.html', 'man/guide.1'].map((name) => corpus.files.find((f) => f.relPath === name)!.split);
      assert.ok(sides.every((side) => side === sides[0]), `at ${fraction}: ${sides.join(', ')}`);
      if (sides[0] === 'val') heldOut++;
      assert.equal(corpus.split.nearDuplicateFiles, 3);
    }
    assert.ok(heldOut > 0, 'the three copies are held out together at some fraction');
  });

  it('finds near-duplicates by MinHash over word shingles, not unrelated files', () => {
    const [md, html, troff] = [GUIDE_MD, GUIDE_HTML, GUIDE_TROFF].map((text) => minHashSketch(text)!);
    for (const [a, b] of [[md, html], [md, troff], [html, troff]]) assert.ok(estimatedJaccard(a, b) >= 0.8, `${estimatedJaccard(a, b)}`);
    const other = minHashSketch(distinctText(1, 200))!;
    assert.ok(estimatedJaccard(md, other) < 0.1);
    const edited = GUIDE_MD.replace('serially', 'one after another').replace('globally', 'once');
    assert.deepEqual(nearDuplicatePairs([GUIDE_MD, distinctText(2, 200), edited, GUIDE_HTML]), [[0, 2], [0, 3]]);
    assert.equal(minHashSketch('too short to tell a copy from a coincidence'), undefined);
  });

  it('falls back to single files when folders are too coarse, never holds out everything, and a lone file is train', async () => {
    for (let i = 0; i < 30; i++) write(`flat/f${String(i).padStart(2, '0')}.txt`, distinctText(500 + i, 30));
    const flat = await readCorpus([path.join(tmp, 'flat')], { valFraction: 0.1 });
    assert.equal(flat.split.unit, 'file');
    const valCount = flat.files.filter((file) => file.split === 'val').length;
    assert.ok(valCount >= 2 && valCount <= 3, `${valCount} files held out`);
    // one big folder and one small file at the root: the folders cannot hold out 10%
    for (let i = 0; i < 20; i++) write(`big/src/f${i}.js`, distinctText(700 + i, 40));
    write('big/README.md', distinctText(800, 10));
    const coarse = await readCorpus([path.join(tmp, 'big')], { valFraction: 0.1 });
    assert.equal(coarse.split.unit, 'file');
    assert.ok(coarse.files.some((f) => f.split === 'val' && f.relPath.startsWith('src/')));
    // two files far over the fraction: the smaller one is held out, never both
    write('two/a.txt', distinctText(900, 40));
    write('two/b.txt', distinctText(901, 20));
    const two = await readCorpus([path.join(tmp, 'two')], { valFraction: 0.01 });
    assert.deepEqual(two.files.map((f) => `${f.relPath}:${f.split}`), ['a.txt:train', 'b.txt:val']);
    write('lone/only.txt', distinctText(902, 20));
    const single = await readCorpus([path.join(tmp, 'lone')], { valFraction: 0.5 });
    assert.equal(single.files[0].split, 'train');
    // two copies of one text are one group: nothing can be held out
    write('copies/a.txt', GUIDE_MD);
    write('copies/b.txt', GUIDE_MD);
    const copies = await readCorpus([path.join(tmp, 'copies')], { valFraction: 0.5 });
    assert.deepEqual(copies.files.map((f) => f.split), ['train', 'train']);
  });

  it('splitOf is FNV-1a 32-bit of the UTF-8 path over 2^32', () => {
    assert.equal(splitOf(''), 0x811c9dc5 / 2 ** 32);
    assert.equal(splitOf('a'), 0xe40c292c / 2 ** 32);
    assert.equal(splitOf('foobar'), 0xbf9cf968 / 2 ** 32);
    assert.notEqual(splitOf('é'), splitOf('e'));
  });

  it('rejects a valFraction outside [0, 0.5]', async () => {
    await assert.rejects(readCorpus([tmp], { valFraction: 0.6 }), /valFraction must be a number in \[0, 0\.5\], got 0\.6/);
    await assert.rejects(readCorpus([tmp], { valFraction: -0.1 }), /valFraction/);
    await assert.rejects(readCorpus([tmp], { valFraction: Number.NaN }), /valFraction/);
  });

  it('applies extraIgnore patterns relative to each root, and a .gitignore negation cannot undo them', async () => {
    write('.gitignore', '!README.md\n');
    write('README.md', '# readme\n');
    write('docs/a.txt', 'docs\n');
    write('src/docs/b.txt', 'nested docs\n');
    write('src/main.ts', 'main\n');
    const corpus = await readCorpus([tmp], { extraIgnore: ['*.md', '/docs/'] });
    assert.deepEqual(accepted(corpus), ['.gitignore', 'src/docs/b.txt', 'src/main.ts']);
    assert.deepEqual(skippedAs(corpus, 'ignored'), ['README.md', 'docs']);
    assert.equal(skippedEntry(corpus, 'docs').isDirectory, true);
    assert.match(skippedEntry(corpus, 'README.md').detail, /extra exclude/);
  });

  it('applies VS Code exclude globs (files.exclude, search.exclude) to files and folders, never descending', async () => {
    write('a.log', 'log\n');
    write('src/keep.ts', 'keep\n');
    write('src/gen/out.ts', 'generated\n');
    write('tmp/x.ts', 'tmp\n');
    const spy = spyOnFileAccess();
    let corpus: Corpus;
    try {
      corpus = await readCorpus([tmp], { excludeGlobs: ['**/*.{log,txt}', '**/gen', 'tmp/**'] });
    } finally {
      spy.restore();
    }
    assert.deepEqual(accepted(corpus), ['src/keep.ts']);
    assert.deepEqual(skippedAs(corpus, 'ignored'), ['a.log', 'src/gen', 'tmp']);
    assert.match(skippedEntry(corpus, 'tmp').detail, /exclude pattern of the settings/);
    const inside = spy.touched.map((p) => path.relative(tmp, p).split(path.sep).join('/'));
    assert.ok(!inside.some((p) => p.startsWith('src/gen') || p.startsWith('tmp')), `excluded folders are never read: ${inside.join(', ')}`);
  });

  it('reads only files matching the include globs when there are any', async () => {
    write('a.ts', 'a\n');
    write('lib/b.js', 'b\n');
    write('lib/c.ts', 'c\n');
    const corpus = await readCorpus([tmp], { includeGlobs: ['**/*.ts'] });
    assert.deepEqual(accepted(corpus), ['a.ts', 'lib/c.ts']);
    assert.deepEqual(skippedAs(corpus, 'not-included'), ['lib/b.js']);
    const all = await readCorpus([tmp], { includeGlobs: [] });
    assert.equal(all.files.length, 3);
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

describe('corpus: formatCorpusReport', () => {
  it('gives counts, the split, and the skipped paths grouped by reason with at most maxListed examples', async () => {
    write('a.txt', 'hello\n');
    write('b.txt', 'world\n');
    write('x.lock', 'lock\n');
    for (let i = 0; i < 4; i++) write(`img${i}.png`, 'png\n');
    write('node_modules/m.js', 'm\n');
    const corpus = await readCorpus([tmp]);
    const report = formatCorpusReport(corpus, 2);
    assert.match(report, /2 files, 12 B, 12 characters from 1 root/);
    assert.match(report, /Split: 1 train, 1 val \(50\.0% of the characters held out, by file \(the folders are too coarse\) and near-duplicate group: 1 of 2 groups\)/);
    assert.match(report, /Skipped: 6/);
    assert.match(report, /not-text-extension \(4\):\n {4}img0\.png: "\.png" files are not text\n {4}img1\.png: [^\n]+\n {4}\.\.\. and 2 more/);
    assert.match(report, /lock-file \(1\):\n {4}x\.lock: /);
    assert.match(report, /default-exclude \(1\):\n {4}node_modules\/: /);
    assert.doesNotMatch(report, /img2\.png/);
  });
});

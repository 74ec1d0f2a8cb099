/** The validation split of a corpus read from folders (split.ts, through readCorpus). */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readCorpus, splitOf } from '../../../src/core/corpus/corpus';
import { estimatedJaccard, minHashSketch, nearDuplicatePairs } from '../../../src/core/corpus/split';
import { tmp, useTempFolder, write } from '../../helpers/corpus';

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
  useTempFolder();

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
});

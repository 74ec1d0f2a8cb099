/** Reading a corpus file (decode.ts): binary sniffing, decoding, minified files, line endings, empty files. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCorpus } from '../../../src/core/corpus/corpus';
import { accepted, skippedAs, skippedEntry, textOf, tmp, useTempFolder, write } from '../../helpers/corpus';

describe('corpus: readCorpus', () => {
  useTempFolder();

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
});

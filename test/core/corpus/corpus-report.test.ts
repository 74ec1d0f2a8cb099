/** The corpus in words (report.ts). */
import assert from 'node:assert/strict';
import { formatCorpusReport, readCorpus } from '../../../src/core/corpus/corpus';
import { tmp, useTempFolder, write } from '../../helpers/corpus';

describe('corpus: formatCorpusReport', () => {
  useTempFolder();

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

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCorpus } from '../../src/core/corpus/corpus';
import { decodeCorpusExport } from '../../src/core/train/corpus-export';
import { prepareData } from '../../src/core/train/prepare';
import { assertUserError, corpus, ok, tmp, useCliWorkspace } from '../helpers/cli';

describe('CLI export-corpus', function () {
  this.timeout(60_000);
  useCliWorkspace();

  it('writes what train reads: the same files, split and ids as the corpus rules give in process', async () => {
    const out = path.join(tmp, 'corpus.safetensors');
    const summary = JSON.parse(ok(['export-corpus', corpus, '--out', out, '--val-fraction', '0.3', '--json']).trim());
    const exported = decodeCorpusExport(fs.readFileSync(out));
    const expected = prepareData(await readCorpus([corpus], { valFraction: 0.3 }));
    assert.deepEqual(exported.vocab.symbols, expected.vocab.symbols);
    assert.deepEqual(exported.train.names, expected.train.names);
    assert.deepEqual(exported.val.names, expected.val.names);
    assert.deepEqual([...exported.train.tokens], [...expected.train.tokens]);
    assert.deepEqual([...exported.val.tokens], [...expected.val.tokens]);
    assert.equal(summary.event, 'exported');
    assert.equal(summary.trainChars, expected.train.tokens.length);
    assert.equal(summary.valFiles, expected.val.names.length);
  });

  it('says in one line what is wrong: no path, an output that is a folder, nothing to read', () => {
    assertUserError(['export-corpus', '--out', path.join(tmp, 'x.safetensors')], /export-corpus needs at least one path to read/);
    assertUserError(['export-corpus', corpus, '--out', tmp], /cannot write the corpus file .*: it is a folder|give a file name/);
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    assertUserError(['export-corpus', empty, '--out', path.join(tmp, 'y.safetensors')], /no usable text file was found/);
    assert.ok(!fs.existsSync(path.join(tmp, 'y.safetensors')), 'nothing written');
  });
});

import assert from 'node:assert/strict';
import { readCorpus } from '../../../src/core/corpus/corpus';
import { decodeSafetensors } from '../../../src/core/checkpoint/safetensors/decode';
import { encodeSafetensors } from '../../../src/core/checkpoint/safetensors/encode';
import { CheckpointFormatError } from '../../../src/core/checkpoint/safetensors/format';
import { EncodedFiles } from '../../../src/core/model/encoded-text';
import { decodeCorpusExport, encodeCorpusExport } from '../../../src/core/train/corpus-export';
import { prepareData } from '../../../src/core/train/prepare';
import { tmp, useTempFolder, write } from '../../helpers/corpus';

function assertSameFiles(actual: EncodedFiles, expected: EncodedFiles): void {
  assert.deepEqual(actual.names, expected.names);
  assert.deepEqual([...actual.starts], [...expected.starts]);
  assert.deepEqual([...actual.tokens], [...expected.tokens]);
}

describe('corpus export (the corpus as a training run reads it, for other trainers)', () => {
  useTempFolder();

  async function prepared(vocabCap?: number) {
    for (let i = 0; i < 12; i++) write(`pkg${i % 4}/file${i}.js`, `function f${i}(a) {\n  return a * ${i}; // ${'é'.repeat(i)}\n}\n`);
    const corpus = await readCorpus([tmp], { valFraction: 0.25 });
    return prepareData(corpus, { vocabCap });
  }

  it('round-trips the vocabulary, the training and validation files and their split exactly', async () => {
    const data = await prepared();
    assert.ok(data.val.names.length > 0 && data.train.names.length > 0, 'both splits have files');
    const back = decodeCorpusExport(encodeCorpusExport(data));
    assert.deepEqual(back.vocab.symbols, data.vocab.symbols);
    assertSameFiles(back.train, data.train);
    assertSameFiles(back.val, data.val);
  });

  it('lays the tensors out as documented: U8 ids, file starts over the whole array, 0/1 split', async () => {
    const data = await prepared();
    const { tensors, metadata } = decodeSafetensors(encodeCorpusExport(data));
    assert.equal(tensors.tokens.dtype, 'U8');
    const files = data.train.names.length + data.val.names.length;
    assert.deepEqual(tensors.file_starts.shape, [files + 1]);
    assert.equal(tensors.file_starts.data[files], data.train.tokens.length + data.val.tokens.length);
    assert.deepEqual([...tensors.file_split.data], [...data.train.names.map(() => 0), ...data.val.names.map(() => 1)]);
    assert.equal(metadata.format, 'char-rnn-corpus');
    assert.deepEqual(JSON.parse(metadata.files), [...data.train.names, ...data.val.names]);
    assert.equal(Number(metadata.unknown_chars), data.unknownChars);
  });

  it('writes int32 ids when the vocabulary has more than 256 symbols', async () => {
    let text = '';
    for (let c = 0x4e00; c < 0x4e00 + 400; c++) text += String.fromCodePoint(c);
    write('wide/a.txt', text + '\n');
    write('wide/b.txt', text.split('').reverse().join('') + '\n');
    const data = prepareData(await readCorpus([tmp], { valFraction: 0 }), { vocabCap: 1000 });
    assert.ok(data.vocab.size > 256);
    const bytes = encodeCorpusExport(data);
    assert.equal(decodeSafetensors(bytes).tensors.tokens.dtype, 'I32');
    assertSameFiles(decodeCorpusExport(bytes).train, data.train);
  });

  it('refuses what is not a corpus file, or one whose ids or offsets are out of range, naming the problem', async () => {
    const data = await prepared();
    const { tensors, metadata } = decodeSafetensors(encodeCorpusExport(data));
    const rewrite = (change: (t: typeof tensors, m: Record<string, string>) => void) => {
      const t = structuredClone(tensors);
      const { crc32: _crc, header_crc32: _headerCrc, ...m } = metadata; // the encoder computes them afresh
      change(t, m);
      const asIn = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { dtype: v.dtype as 'U8' | 'I32', shape: v.shape, data: v.data as Uint8Array | Int32Array }]));
      return encodeSafetensors(asIn, m);
    };
    const refused = (bytes: Uint8Array, pattern: RegExp) => assert.throws(() => decodeCorpusExport(bytes, 'c.safetensors'), (e: Error) => e instanceof CheckpointFormatError && pattern.test(e.message));
    refused(rewrite((_, m) => { m.format = 'char-rnn-complete'; }), /^c\.safetensors: not a Char-RNN corpus file/);
    refused(rewrite((t) => { t.tokens.data[3] = 250; }), /token 250 at 3 is outside the \d+-symbol vocabulary/);
    refused(rewrite((t) => { t.file_starts.data[2] = t.file_starts.data[1] - 1; }), /file_starts must not decrease/);
    refused(rewrite((t) => { t.file_split.data[0] = 2; }), /file_split must be 0 or 1/);
    refused(rewrite((_, m) => { m.vocab = '["a","b"]'; }), /vocabulary is not valid/);
  });
});

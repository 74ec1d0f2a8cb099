/**
 * From a read corpus to training data: the vocabulary (built from the training files, or the model's
 * own when continuing) and the encoded training and validation files.
 */
import { Corpus, summarizeSkipped } from '../corpus/corpus';
import { encodeFiles, EncodedFiles } from '../model/encoded-text';
import { DEFAULT_VOCAB_CAP, UNKNOWN, Vocab } from '../model/vocab';

export interface PreparedData {
  vocab: Vocab;
  train: EncodedFiles;
  val: EncodedFiles;
  /** characters of the training files that the vocabulary maps to the unknown symbol */
  unknownChars: number;
}

export function prepareData(corpus: Corpus, opts: { vocab?: Vocab; vocabCap?: number } = {}): PreparedData {
  const trainFiles = corpus.files.filter((f) => f.split === 'train');
  const valFiles = corpus.files.filter((f) => f.split === 'val');
  if (trainFiles.length === 0) {
    throw new Error(corpus.files.length === 0 ? `no usable text file was found: nothing to train on (${summarizeSkipped(corpus)})` : 'every usable file was held out for validation: nothing to train on');
  }
  const vocab = opts.vocab ?? Vocab.build(trainFiles.map((f) => f.text), opts.vocabCap ?? DEFAULT_VOCAB_CAP);
  const train = encodeFiles(vocab, trainFiles);
  const val = encodeFiles(vocab, valFiles);
  let unknownChars = 0;
  for (let i = 0; i < train.tokens.length; i++) if (train.tokens[i] === UNKNOWN) unknownChars++;
  return { vocab, train, val, unknownChars };
}

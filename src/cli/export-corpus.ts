/**
 * `char-rnn export-corpus`: what `train` would read, after the same corpus rules and the same
 * train/validation split, written as one safetensors file (core/train/corpus-export.ts) for a trainer
 * outside this project.
 */
import { checkOutputPath } from '../core/train/job';
import { readCorpus, formatCorpusReport } from '../core/corpus/corpus';
import { writeFileAtomic } from '../core/checkpoint/safetensors/file';
import { encodeCorpusExport } from '../core/train/corpus-export';
import { prepareData } from '../core/train/prepare';
import { flag, num, parse, requireStr, UsageError } from './args';
import { corpusFlags, TRAIN_FLAG_BOUNDS } from './train';

export const EXPORT_CORPUS_USAGE = `char-rnn export-corpus <path...> --out FILE [--val-fraction 0.05 --max-file-kb 1024 --max-corpus-mb 50
    --vocab-size 256 --json]`;

export async function exportCorpusCommand(args: string[], out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const p = parse(args, {
    out: { type: 'string' }, 'val-fraction': { type: 'string' }, 'max-file-kb': { type: 'string' }, 'max-corpus-mb': { type: 'string' },
    'vocab-size': { type: 'string' }, json: { type: 'boolean' },
  }, true);
  if (p.positionals.length === 0) throw new UsageError('export-corpus needs at least one path to read');
  const outPath = requireStr(p, 'out');
  const corpusOptions = corpusFlags(p);
  const vocabCap = num(p, 'vocab-size', TRAIN_FLAG_BOUNDS['vocab-size']);
  const json = flag(p, 'json');
  await checkOutputPath(outPath, 'the corpus file', false);
  const corpus = await readCorpus(p.positionals, corpusOptions);
  const data = prepareData(corpus, { vocabCap });
  const bytes = encodeCorpusExport(data);
  await writeFileAtomic(outPath, bytes);
  const summary = {
    event: 'exported', out: outPath, bytes: bytes.length, vocabSize: data.vocab.size,
    trainFiles: data.train.names.length, valFiles: data.val.names.length,
    trainChars: data.train.tokens.length, valChars: data.val.tokens.length, unknownChars: data.unknownChars,
  };
  if (json) out.write(JSON.stringify(summary) + '\n');
  else {
    out.write(formatCorpusReport(corpus) + '\n');
    out.write(`wrote ${outPath}: ${summary.trainChars} training characters in ${summary.trainFiles} files, ${summary.valChars} validation characters in ${summary.valFiles} files, ${summary.vocabSize} symbols\n`);
  }
  return 0;
}

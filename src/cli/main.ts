/**
 * The `char-rnn` command line: train, sample, complete, eval, bench, demo, export-corpus. A user error prints one line
 * and exits with status 2; nothing else prints a stack trace unless CHAR_RNN_DEBUG is set.
 */
import { isInputError } from '../core/common/errors';
import { CheckpointFormatError } from '../core/checkpoint/safetensors/format';
import { UsageError } from './args';
import { benchCommand, BENCH_USAGE } from './bench';
import { COMPLETE_USAGE, completeCommand, EVAL_USAGE, evalCommand, SAMPLE_USAGE, sampleCommand } from './commands';
import { demoCommand, DEMO_USAGE } from './demo';
import { exportCorpusCommand, EXPORT_CORPUS_USAGE } from './export-corpus';
import { trainCommand, TRAIN_USAGE } from './train';

const USAGE = `usage:
  ${TRAIN_USAGE}
  ${SAMPLE_USAGE}
  ${COMPLETE_USAGE}
  ${EVAL_USAGE}
  ${BENCH_USAGE}
  ${DEMO_USAGE}
  ${EXPORT_CORPUS_USAGE}`;

const USAGES: Record<string, string> = { train: TRAIN_USAGE, sample: SAMPLE_USAGE, complete: COMPLETE_USAGE, eval: EVAL_USAGE, bench: BENCH_USAGE, demo: DEMO_USAGE, 'export-corpus': EXPORT_CORPUS_USAGE };

const COMMANDS: Record<string, (args: string[], out: NodeJS.WriteStream) => Promise<number>> = {
  train: trainCommand,
  sample: sampleCommand,
  complete: completeCommand,
  eval: evalCommand,
  bench: benchCommand,
  demo: demoCommand,
  'export-corpus': exportCorpusCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    const beforeEnd = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
    if (beforeEnd.includes('--help') || beforeEnd.includes('-h')) {
      process.stdout.write(`usage:\n  ${USAGES[name]}\n`);
      return 0;
    }
    return await command(args, process.stdout);
  } catch (err) {
    if (process.env.CHAR_RNN_DEBUG) console.error(err);
    const e = err as Error;
    if (e instanceof UsageError || e instanceof CheckpointFormatError) {
      process.stderr.write(`char-rnn: ${e.message}\n`);
      return 2;
    }
    if (e.name === 'AbortError') {
      process.stderr.write('char-rnn: cancelled\n');
      return 130;
    }
    // errors from the core that describe bad input (missing path, empty corpus, bad settings)
    if (isInputError(e)) {
      process.stderr.write(`char-rnn: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`char-rnn: internal error: ${e?.message ?? String(err)} (set CHAR_RNN_DEBUG=1 for details)\n`);
    return 1;
  }
}

if (require.main === module) {
  // output piped into a command that stops reading (| head) ends the program quietly
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

/**
 * `char-rnn demo`: the main job on a built-in default. Trains briefly on the corpus that ships with the
 * package, then shows samples, completions and held-out figures.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { readCorpus } from '../core/corpus';
import { bitsPerChar, keystrokeSavings } from '../core/evaluate';
import { generate } from '../core/generate';
import { runTrainingJob } from '../core/job';
import { Rng } from '../core/rng';
import { CompletionSession } from '../core/session';
import { num, parse, str } from './args';
import { builtinCorpusPath } from './paths';

export const DEMO_USAGE = 'char-rnn demo [--seconds 45 --out FILE]';

export async function demoCommand(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const p = parse(args, { seconds: { type: 'string' }, out: { type: 'string' } }, false);
  const seconds = num(p, 'seconds', { min: 1, max: 3600 }) ?? 45;
  const outPath = str(p, 'out') ?? path.join(os.tmpdir(), 'char-rnn-demo.safetensors');
  const corpusPath = builtinCorpusPath();
  out.write(`Char-RNN Complete demo: training a ${'H=256'} vanilla RNN for ${seconds} s on the built-in corpus (${corpusPath})\n\n`);
  const { trainer } = await runTrainingJob({
    paths: [corpusPath],
    out: outPath,
    seconds,
    corpus: { valFraction: 0.1 },
    onEvent: (e) => {
      if (e.event === 'start') out.write(`${e.parameters} parameters, ${e.trainChars} training and ${e.valChars} held-out characters\n`);
      if (e.event === 'val') out.write(`  step ${String(e.step).padStart(5)}  loss ${e.loss.toFixed(3)} nats/char  held-out ${e.valBitsPerChar.toFixed(3)} bits/char\n`);
      if (e.event === 'done') out.write(`trained ${e.step} steps, ${Math.round(e.charsSeen)} characters, at ${Math.round(e.charsPerSec)} chars/s\n`);
    },
  });
  out.write(`checkpoint: ${outPath}\n\n`);
  const model = trainer.model;
  out.write('Samples (temperature 0.7):\n');
  for (const prefix of ['function ', "  it('", 'const ']) {
    const session = new CompletionSession(model);
    const g = generate(model, session.stateAt(prefix, prefix.length), { maxLength: 160, stopAtNewline: false, temperature: 0.7, rng: new Rng(7) });
    out.write(`--- ${JSON.stringify(prefix)}\n${prefix}${g.text}\n`);
  }
  const corpus = await readCorpus([corpusPath], { valFraction: 0.1 });
  const heldOut = corpus.files.filter((f) => f.split === 'val');
  out.write(`\nCompletions on a held-out file (${heldOut[0]?.relPath}): text before the cursor | proposal\n`);
  const text = heldOut[0]?.text ?? '';
  const session = new CompletionSession(model);
  let shown = 0;
  for (let i = 200; i < text.length && shown < 8; i += 97) {
    const proposal = session.propose(text, i, { minConfidence: 0.2 });
    if (!proposal) continue;
    const lineStart = text.lastIndexOf('\n', i - 1) + 1;
    out.write(`  ${JSON.stringify(text.slice(lineStart, i)).slice(1, -1).padStart(40).slice(-40)} | ${proposal.text}   (p = ${proposal.prob.toFixed(2)})\n`);
    shown++;
  }
  const val = trainer.val;
  if (val) {
    const bpc = bitsPerChar(model, val, { maxChars: 50_000 });
    const ksr = keystrokeSavings(model, heldOut.map((f) => f.text), { maxTypedChars: 3000 });
    out.write(`\nHeld-out: ${bpc.bitsPerChar.toFixed(3)} bits/char over ${bpc.chars} characters; keystroke savings ${(ksr.ksr * 100).toFixed(1)}% over ${ksr.chars} characters (${ksr.accepted} of ${ksr.shown} proposals accepted)\n`);
  }
  out.write(`\nTry: node dist/cli.js complete --model ${outPath} --file <some file> --offset <n>\n`);
  return 0;
}

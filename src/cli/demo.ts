/**
 * `char-rnn demo`: the main job on a built-in default. Trains briefly on the corpus that ships with the
 * package, then shows samples, completions and held-out figures.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { readCorpus } from '../core/corpus/corpus';
import { automaticCompletion, DEFAULT_COMPLETION_SETTINGS } from '../core/infer/completion-rules';
import { keystrokeSavings } from '../core/eval/simulated-user';
import { bitsPerChar } from '../core/model/bits-per-char';
import { DynamicEvaluation } from '../core/infer/adaptation';
import { generate } from '../core/infer/generate';
import { runTrainingJob } from '../core/train/job';
import { Rng } from '../core/model/rng';
import { CompletionSession } from '../core/infer/session';
import { num, parse, str } from './args';
import { builtinCorpusPath } from './paths';

export const DEMO_USAGE = 'char-rnn demo [--seconds 45 --out FILE]';

export async function demoCommand(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const p = parse(args, { seconds: { type: 'string' }, out: { type: 'string' } }, false);
  const seconds = num(p, 'seconds', { min: 1, max: 3600 }) ?? 45;
  const outPath = str(p, 'out') ?? path.join(os.tmpdir(), 'char-rnn-demo.safetensors');
  const corpusPath = builtinCorpusPath();
  out.write(`Char-RNN Complete demo: training a ${'H=256'} vanilla RNN for ${seconds} s on the built-in corpus (${corpusPath})\n\n`);
  const { trainer, kept } = await runTrainingJob({
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
  const best = kept.valBitsPerChar !== undefined ? ` (the best model by validation: step ${kept.step}, ${kept.valBitsPerChar.toFixed(3)} bits/char)` : '';
  out.write(`checkpoint: ${outPath}${best}\n\n`);
  const model = trainer.model;
  out.write('Samples (temperature 0.7):\n');
  for (const prefix of ['function ', "  it('", 'const ']) {
    const session = new CompletionSession(model);
    const g = generate(model, session.stateAt(prefix, prefix.length), { maxLength: 160, stopAtNewline: false, temperature: 0.7, rng: new Rng(7), history: session.historyAt(prefix, prefix.length) });
    out.write(`--- ${JSON.stringify(prefix)}\n${prefix}${g.text}\n`);
  }
  const corpus = await readCorpus([corpusPath], { valFraction: 0.1 });
  const heldOut = corpus.files.filter((f) => f.split === 'val');
  // a held-out code file shows completions best
  const shownFile = heldOut.find((f) => /\.(c|m)?js$/.test(f.relPath)) ?? heldOut[0];
  out.write(`\nCompletions as the editor would show them, on a held-out file (${shownFile?.relPath}): text before the cursor | suggestion\n`);
  const text = shownFile?.text ?? '';
  const session = new CompletionSession(model);
  let shown = 0;
  for (let i = text.indexOf('\n', 300); i > 0 && i < text.length && shown < 8; i = text.indexOf('\n', i + 120)) {
    // the user has typed up to a point inside the next line
    const at = Math.min(text.length, i + 1 + Math.min(12, text.indexOf('\n', i + 1) - i - 1));
    const base = session.reach(at);
    const suggestion = automaticCompletion(session, text.slice(base, at), at, DEFAULT_COMPLETION_SETTINGS, base);
    if (!suggestion) continue;
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    out.write(`  ${JSON.stringify(text.slice(lineStart, at)).slice(1, -1).padStart(30).slice(-30)} | ${suggestion.text}   (p = ${suggestion.prob.toFixed(2)})\n`);
    shown++;
  }
  if (shown === 0) out.write('  (nothing reaches the confidence gate yet: train longer with --seconds)\n');
  const val = trainer.val;
  if (val) {
    const bpc = bitsPerChar(model, val, { maxChars: 50_000 });
    // as the editor runs by default: the direct connections adapt to the text being typed, and the cache of it is mixed in
    const dynamic = model.direct ? new DynamicEvaluation(model) : undefined;
    const ksr = keystrokeSavings(model, heldOut.map((f) => f.text), { maxTypedChars: 3000, session: { dynamic } });
    dynamic?.dispose();
    out.write(`\nHeld-out: ${bpc.bitsPerChar.toFixed(3)} bits/char over ${bpc.chars} characters; keystroke savings with the editor's adaptation ${(ksr.ksr * 100).toFixed(1)}% over ${ksr.chars} characters (${ksr.accepted} of ${ksr.shown} proposals accepted)\n`);
  }
  out.write(`\nTry: node dist/cli.js complete --model ${outPath} --file <some file> --offset <n>\n`);
  return 0;
}

/**
 * What the output channel says of the training process's messages, as a pure function (no `vscode`
 * import): the corpus read and its warnings, the run's start, each validation, how the run ended, a
 * failure, and the process's own log lines. Progress and checkpoints add no line.
 */
import { DONE_VERB, keptSentence } from './notices';
import type { TrainerMessage } from './trainer-process-protocol';

/** The output channel's lines for one message of the training process (none for most). */
export function trainerLogLines(m: TrainerMessage): string[] {
  switch (m.type) {
    case 'log':
      return [m.message];
    case 'corpus': {
      const skipped = Object.entries(m.skippedByReason).map(([r, n]) => `${n} ${r}`).join(', ');
      return [
        `Read ${m.files} files (${m.trainFiles} for training, ${m.valFiles} held out), ${m.chars.toLocaleString()} characters; skipped ${m.skippedCount}${skipped ? ` (${skipped})` : ''}.`,
        ...m.warnings.map((w) => `  warning: ${w}`),
      ];
    }
    case 'start':
      return [`Training ${m.parameters.toLocaleString()} parameters on ${m.trainChars.toLocaleString()} characters (${m.valChars.toLocaleString()} held out), ${m.backend}, ${m.threads} thread${m.threads > 1 ? 's' : ''}${m.step > 0 ? `, from step ${m.step}${m.resumedExactly ? '' : ' (files changed: data order restarted)'}` : ''}.`];
    case 'val':
      return [`step ${m.step}: loss ${m.loss.toFixed(3)} nats/char, validation ${m.valBitsPerChar.toFixed(3)} bits/char`];
    case 'done':
      return [`Training ${DONE_VERB[m.reason]} at step ${m.step}: loss ${m.loss.toFixed(3)}${m.valBitsPerChar !== undefined ? `, validation ${m.valBitsPerChar.toFixed(3)} bits/char` : ''}, ${Math.round(m.charsPerSec).toLocaleString()} chars/s over ${m.elapsedSec.toFixed(0)} s.${m.message ? ` ${capitalise(m.message)}.` : ''} ${keptSentence(m)}`];
    case 'error':
      return [`Training failed: ${m.message}`];
    default:
      return [];
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

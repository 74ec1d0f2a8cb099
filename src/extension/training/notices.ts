import type { DoneReason } from '../../core/train/events';
import type { TrainerMessage, TrainJobRequest } from './trainer-process-protocol';

export type DoneMessage = TrainerMessage & { type: 'done' };

export interface Notice {
  severity: 'warning' | 'info';
  text: string;
}

/** How a training job ended, as a verb: 'finished', 'converged'... */
export const DONE_VERB: Record<DoneReason, string> = { steps: 'finished', time: 'finished', stopped: 'stopped', converged: 'converged', diverged: 'diverged' };

/** Which model the checkpoint holds after a job: the best by validation, and where the latest state went. */
export function keptSentence(m: DoneMessage): string {
  const k = m.kept;
  if (!k.written) return 'The model was not changed.';
  if (k.valBitsPerChar === undefined) return `Kept the latest model (step ${k.step.toLocaleString()}; no validation files).`;
  const latest = k.latestStep !== undefined ? ` (the latest state, step ${k.latestStep.toLocaleString()}, is kept beside it for Resume Training)` : '';
  return `Kept the best model: step ${k.step.toLocaleString()}, validation ${k.valBitsPerChar.toFixed(2)} bits/char${latest}.`;
}

/**
 * The notification at the end of a job, or none: a fine-tuning on save that went well says nothing
 * (the output channel has its line), but one that diverged warns like any other run. With `team` (the
 * team model's path, while `charRnn.model.path` sets one) it says that the model trained is the
 * workspace's own, and that the team model stays in use.
 */
export function doneNotice(kind: TrainJobRequest['kind'], m: DoneMessage, team?: string): Notice | undefined {
  const inUse = team === undefined ? '' : ` Completions keep using the team model ${team} (charRnn.model.path) while it is set; this workspace's own model is used once it is cleared.`;
  if (m.reason === 'diverged') return { severity: 'warning', text: `Char RNN: ${m.message ?? 'training diverged'}. ${keptSentence(m)}${inUse}` };
  if (kind === 'fineTune') return undefined;
  const quality = m.kept.valBitsPerChar !== undefined ? ` ${keptSentence(m)}` : '';
  return { severity: 'info', text: `Char RNN ${DONE_VERB[m.reason]} training after ${m.step.toLocaleString()} steps.${quality}${inUse}` };
}

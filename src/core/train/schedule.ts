/**
 * The plateau schedule: what a validation decides about what is kept and how training goes on.
 *
 *   - the best model: the parameters and direct-connection table of the lowest validation so far are
 *     copied aside (one extra copy, no optimizer state), so that the checkpoint the editor uses is the
 *     best one even when training goes on to overfit (job.ts writes it, and the latest state beside it; trainer.ts keeps the copy);
 *   - a plateau: after `patience` validations without an improvement of at least 0.1% on the best, both
 *     learning rates (the RNN's optimizer and the direct table's) are halved; after MAX_REDUCTIONS
 *     halvings in a row with no such improvement, the next plateau stops the run as 'converged';
 *   - divergence: a validation more than 1 bit/char above the best, or worse than uniform guessing over
 *     the vocabulary, while the training loss is more than 0.5 nats/char worse than it was at the best
 *     too (when only validation rises, training holds and the plateau handles it: a model memorising,
 *     or one whose state from zero went astray on a start the training had not met lately; the best
 *     model is kept either way), a validation worse than uniform guessing before any best, a smoothed
 *     training loss worse than uniform (also with no validation files), or a loss or gradient that is
 *     not finite stops the run as 'diverged' (nothing of the diverged state is to be saved).
 */
import type { ScheduleState } from '../checkpoint/training-state';

/** The learning rates are multiplied by this on a plateau. */
const LR_DECAY = 0.5;
/** halvings in a row without an improvement, after which the next plateau ends the run as converged */
export const MAX_REDUCTIONS = 3;
/** an improvement of less than this fraction of the best does not end a plateau */
const MIN_RELATIVE_IMPROVEMENT = 1e-3;
/** validation this many bits/char above the best means the run diverged */
const DIVERGED_BITS = 1;
/**
 * a training loss at most this many nats/char above its value at the best validation still counts as
 * holding (the smoothed loss wanders by about this much between chunks of different files)
 */
const MEMORISING_LOSS_NATS = 0.5;
/** the first validations may sit this little above uniform guessing (log2 V) before it means divergence */
const UNIFORM_SLACK = 0.25;
/**
 * a smoothed training loss this many nats/char above uniform guessing (ln V) means the run diverged,
 * also when nothing is validated (an untrained model starts at about ln V and only goes down)
 */
export const DIVERGED_LOSS_NATS = 1;

/** Why a run stopped early, in one line. */
export interface EarlyStop {
  reason: 'converged' | 'diverged';
  message: string;
}

/** What the schedule is told of a validation. */
export interface Validation {
  /** the validation's bits per character */
  bpc: number;
  step: number;
  charsSeen: number;
  /** the smoothed training loss now, nats per character */
  smoothLoss: number;
  vocabSize: number;
  /** validations without an improvement before the rates are halved (0: never) */
  patience: number;
  /** fingerprint of the validation sample (kept with a new best) */
  valFingerprint: string | undefined;
}

/**
 * Updates the schedule's state `s` with a validation (the rules in this file's comment): whether it is a
 * new best (to be kept aside by the caller) and whether the run stops, diverged or converged, with its
 * one-line reason. Halving the rates is `s.lrScale`.
 */
export function judgeValidation(s: ScheduleState, v: Validation): { newBest: boolean; stop?: EarlyStop } {
  const { bpc } = v;
  const best = s.best?.valBitsPerChar;
  const uniform = Math.log2(v.vocabSize);
  // validation far above the best while training holds (within the smoothed loss's noise) is not
  // divergence: a tiny validation set of an overfitting model swings by bits, and a model's state from
  // zero can go astray on a kind of start it has not trained on lately (streams.ts) while training is sound
  const holding = s.best?.loss !== undefined && v.smoothLoss <= s.best.loss + MEMORISING_LOSS_NATS;
  if (!Number.isFinite(bpc) || (!holding && (bpc > uniform + UNIFORM_SLACK || (best !== undefined && bpc > best + DIVERGED_BITS)))) {
    const worse = !Number.isFinite(bpc) ? 'is not finite'
      : best !== undefined && bpc > best + DIVERGED_BITS ? `is more than ${DIVERGED_BITS} bit/char above the best, ${best.toFixed(3)} at step ${s.best!.step}`
      : `is worse than uniform guessing (${uniform.toFixed(2)} bits/char)`;
    return { newBest: false, stop: { reason: 'diverged', message: `training diverged at step ${v.step}: validation ${bpc.toFixed(3)} bits/char ${worse}; lower the learning rate` } };
  }
  if (best === undefined || bpc < best * (1 - MIN_RELATIVE_IMPROVEMENT)) {
    s.sinceImprovement = 0;
    s.reductions = 0;
  } else {
    s.sinceImprovement++;
  }
  const newBest = best === undefined || bpc < best;
  if (newBest) {
    s.best = { valBitsPerChar: bpc, step: v.step, charsSeen: v.charsSeen, loss: v.smoothLoss };
    s.valFingerprint = v.valFingerprint;
  }
  if (v.patience > 0 && s.sinceImprovement >= v.patience) {
    if (s.reductions >= MAX_REDUCTIONS) {
      return { newBest, stop: { reason: 'converged', message: `validation has not improved on ${s.best!.valBitsPerChar.toFixed(3)} bits/char (step ${s.best!.step}) in ${v.patience} validations after ${MAX_REDUCTIONS} halvings of the learning rate` } };
    }
    s.sinceImprovement = 0;
    s.reductions++;
    s.lrScale *= LR_DECAY;
  }
  return { newBest };
}

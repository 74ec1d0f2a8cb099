/**
 * What a training run reports (progress, validations, its end and why) and when it writes checkpoints.
 */

export type DoneReason = 'steps' | 'time' | 'stopped' | 'converged' | 'diverged';

export type TrainEvent =
  | {
      event: 'start'; step: number; charsSeen: number; loss: number; parameters: number; trainChars: number; valChars: number; resumedExactly: boolean;
      /** set by job.ts when a resume could not continue as asked (the latest state beside it was missing...) */
      note?: string;
    }
  | { event: 'progress'; step: number; charsSeen: number; loss: number; charsPerSec: number; elapsedSec: number; fraction: number; etaSec: number }
  | {
      event: 'val'; step: number; charsSeen: number; loss: number; valBitsPerChar: number;
      /** the best validation so far and its step (absent when this one diverged before any best) */
      bestValBitsPerChar?: number; bestStep?: number;
      /** the learning rates' factor after this validation (1, then halved on each plateau) */
      lrScale: number;
    }
  | {
      event: 'done'; step: number; charsSeen: number; loss: number; valBitsPerChar?: number; reason: DoneReason; elapsedSec: number; charsPerSec: number;
      /** the best validation and its step (the model kept), when there was a validation */
      bestValBitsPerChar?: number; bestStep?: number;
      /** why a run stopped as 'converged' or 'diverged', in one line */
      message?: string;
    };


/** The first checkpoint of a run is written after at most this many seconds. */
export const FIRST_CHECKPOINT_SEC = 15;

/**
 * Seconds from checkpoint `k - 1` (the run's start for k = 0) to checkpoint `k`: FIRST_CHECKPOINT_SEC,
 * then doubling the time since the start (15, 30, 60, 120 s...), never more than `every`.
 */
export function checkpointInterval(k: number, every: number): number {
  return Math.min(every, FIRST_CHECKPOINT_SEC * 2 ** Math.max(0, k - 1));
}

/**
 * The boundary between the extension host and the training process (a fork of
 * dist/trainer-process.js): one type per message, both sides import these definitions.
 */
import type { SkipReason } from '../../core/corpus/corpus';
import type { DoneReason } from '../../core/train/events';
import type { MetricPoint, TrainSettings } from '../../core/checkpoint/training-state';

/** What to train: the extension host decides, the training process does it. */
export interface TrainJobRequest {
  /** workspace folders (or single files) to read */
  roots: string[];
  /** checkpoint path (written atomically, periodically and at the end) */
  out: string;
  /** continue from this checkpoint, optimizer state included */
  resume?: string;
  /** settings of a new model (the shape is ignored when resuming) */
  settings: Partial<TrainSettings>;
  corpus: {
    maxFileBytes: number;
    maxCorpusBytes: number;
    valFraction: number;
    excludeGlobs: string[];
    includeGlobs: string[];
    /** read files that links lead to outside the roots (else they are skipped as 'outside-roots') */
    readOutsideRoots: boolean;
  };
  /** time budget of this run */
  seconds: number;
  checkpointEverySec: number;
  /** what started it, for the messages */
  kind: 'new' | 'resume' | 'fineTune';
}

/** A file of the corpus, as reported (no content crosses the boundary). */
interface CorpusEntry {
  relPath: string;
  bytes: number;
  split: 'train' | 'val';
}
interface SkippedCorpusEntry {
  relPath: string;
  reason: SkipReason;
  detail: string;
}

/** At most this many files of each list cross the boundary; the counts are always complete. */
export const MAX_LISTED_FILES = 2000;

/** extension host -> training process */
export type HostMessage =
  /** start the job (once per process) */
  | { type: 'start'; job: TrainJobRequest }
  /** save a checkpoint and exit */
  | { type: 'stop' };

/** training process -> extension host */
export type TrainerMessage =
  | { type: 'log'; message: string }
  | {
      type: 'corpus';
      files: number;
      trainFiles: number;
      valFiles: number;
      chars: number;
      bytes: number;
      unknownChars: number;
      used: CorpusEntry[];
      skipped: SkippedCorpusEntry[];
      skippedCount: number;
      skippedByReason: Partial<Record<SkipReason, number>>;
      warnings: string[];
    }
  | { type: 'start'; step: number; charsSeen: number; parameters: number; trainChars: number; valChars: number; resumedExactly: boolean; backend: string; threads: number }
  | { type: 'progress'; step: number; charsSeen: number; loss: number; charsPerSec: number; elapsedSec: number; fraction: number; etaSec: number }
  | { type: 'val'; step: number; charsSeen: number; loss: number; valBitsPerChar: number }
  /** the checkpoint at `path` was written: it holds the model of step `keptStep` (the best by validation), the run is at `step` */
  | { type: 'checkpoint'; step: number; charsSeen: number; loss: number; path: string; keptStep: number }
  | {
      type: 'done'; step: number; charsSeen: number; loss: number; valBitsPerChar?: number; reason: DoneReason; elapsedSec: number; charsPerSec: number; history: MetricPoint[];
      /** why the run stopped early ('converged', 'diverged'), in one line */
      message?: string;
      /** the model the checkpoint holds: its step and validation (the best one), and where the latest state is when it is another */
      kept: { step: number; valBitsPerChar?: number; latestStep?: number; written: boolean };
    }
  /** the job failed; `user` errors are about the input (no files, bad checkpoint), not bugs */
  | { type: 'error'; message: string; kind: 'user' | 'internal' };

/**
 * The progress notification of a training run (a fine-tuning on save has none): what was read, then the
 * loss, the validation and the speed, and for a new model, until its first checkpoint, when suggestions
 * start. Cancelling it stops the run.
 */
import * as vscode from 'vscode';
import { FIRST_CHECKPOINT_SEC } from '../../core/train/events';
import type { JobOutcome, TrainingController } from './controller';
import type { TrainJobRequest } from './trainer-process-protocol';

/** Shows the notification while `running` goes on; resolves to its outcome. */
export function withTrainingProgress(controller: TrainingController, running: Promise<JobOutcome>, job: TrainJobRequest): Promise<JobOutcome> {
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: job.kind === 'new' ? 'Char RNN: training on the workspace' : 'Char RNN: resuming training', cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => void controller.stop());
        let reported = 0;
        let val: number | undefined;
        // a new model's suggestions start with its first checkpoint (FIRST_CHECKPOINT_SEC): say so until then
        let checkpointed = job.kind !== 'new';
        const sub = controller.onMessage((m) => {
          if (m.type === 'corpus') progress.report({ message: `read ${m.files.toLocaleString()} files (${(m.bytes / 1e6).toFixed(1)} MB)` });
          if (m.type === 'val') val = m.valBitsPerChar;
          if (m.type === 'checkpoint' && !checkpointed) {
            checkpointed = true;
            progress.report({ message: 'first checkpoint saved: suggestions are on' });
          }
          if (m.type === 'progress') {
            const percent = Math.min(100, m.fraction * 100);
            const parts = [`loss ${m.loss.toFixed(3)}`];
            if (val !== undefined) parts.push(`${val.toFixed(2)} bits/char`);
            parts.push(`${Math.round(m.charsPerSec).toLocaleString()} chars/s`);
            if (!checkpointed) parts.push(`suggestions after the first checkpoint (${FIRST_CHECKPOINT_SEC} s)`);
            progress.report({ increment: percent - reported, message: parts.join(' · ') });
            reported = percent;
          }
        });
        return running.finally(() => sub.dispose());
      },
    ),
  );
}

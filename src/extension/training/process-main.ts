/**
 * The training process: forked by the extension host, it runs one training job of the core engine and
 * reports through the typed protocol. It never touches the editor; it lowers its own priority so the
 * editor stays responsive, saves and exits when asked to stop or when the editor goes away.
 */
import * as os from 'node:os';
import { setKernelLog, defaultKernels } from '../../core/kernels/default-kernels';
import { isInputError } from '../../core/common/errors';
import { runTrainingJob } from '../../core/train/job';
import { HostMessage, MAX_LISTED_FILES, TrainerMessage, TrainJobRequest } from './trainer-process-protocol';

function send(message: TrainerMessage, then?: () => void): void {
  if (!process.connected || !process.send) {
    then?.();
    return;
  }
  try {
    process.send(message, undefined, {}, () => then?.());
  } catch {
    then?.(); // the editor is gone
  }
}

const controller = new AbortController();
let started = false;

process.on('message', (raw: unknown) => {
  const message = raw as HostMessage;
  if (message?.type === 'start' && !started) {
    started = true;
    void run(message.job);
  } else if (message?.type === 'stop') {
    controller.abort();
  }
});
// the editor closed or crashed: save what there is and leave, never linger as an orphan
process.on('disconnect', () => controller.abort());
process.on('SIGTERM', () => controller.abort());

async function run(job: TrainJobRequest): Promise<void> {
  try {
    os.setPriority(process.pid, 10);
  } catch {
    // not permitted here: train at normal priority
  }
  setKernelLog((message) => send({ type: 'log', message }));
  const kernels = defaultKernels();
  try {
    await runTrainingJob({
      paths: job.roots,
      out: job.out,
      resume: job.resume,
      // a short fine-tuning adapts the model in use (the best), not a latest state that may have overfit
      continueFrom: job.kind === 'fineTune' ? 'kept' : 'latest',
      settings: job.settings,
      corpus: { ...job.corpus, signal: controller.signal },
      seconds: job.seconds,
      checkpointEverySec: job.checkpointEverySec,
      signal: controller.signal,
      kernels,
      onEvent: (e) => {
        switch (e.event) {
          case 'corpus': {
            const c = e.corpus;
            const byReason: Partial<Record<string, number>> = {};
            for (const s of c.skipped) byReason[s.reason] = (byReason[s.reason] ?? 0) + 1;
            send({
              type: 'corpus',
              files: e.files,
              trainFiles: e.trainFiles,
              valFiles: e.valFiles,
              chars: e.chars,
              bytes: c.totalBytes,
              unknownChars: e.unknownChars,
              used: c.files.slice(0, MAX_LISTED_FILES).map((f) => ({ relPath: f.relPath, bytes: f.bytes, split: f.split })),
              skipped: c.skipped.slice(0, MAX_LISTED_FILES).map((s) => ({ relPath: s.relPath, reason: s.reason, detail: s.detail })),
              skippedCount: c.skipped.length,
              skippedByReason: byReason,
              warnings: c.warnings.slice(0, 100),
            });
            break;
          }
          case 'start':
            if (e.note) send({ type: 'log', message: e.note });
            send({ type: 'start', step: e.step, charsSeen: e.charsSeen, parameters: e.parameters, trainChars: e.trainChars, valChars: e.valChars, resumedExactly: e.resumedExactly, backend: kernels.name, threads: job.settings.threads ?? 1 });
            break;
          case 'progress':
            send({ type: 'progress', step: e.step, charsSeen: e.charsSeen, loss: e.loss, charsPerSec: e.charsPerSec, elapsedSec: e.elapsedSec, fraction: e.fraction, etaSec: Number.isFinite(e.etaSec) ? e.etaSec : -1 });
            break;
          case 'val':
            send({ type: 'val', step: e.step, charsSeen: e.charsSeen, loss: e.loss, valBitsPerChar: e.valBitsPerChar });
            break;
          case 'checkpoint':
            send({ type: 'checkpoint', step: e.step, charsSeen: e.charsSeen, loss: e.loss, path: e.path, keptStep: e.keptStep });
            break;
          case 'done':
            break; // reported below, once the final checkpoint is written
        }
      },
    }).then(({ trainer, done, kept }) => {
      send({
        type: 'done', step: done.step, charsSeen: done.charsSeen, loss: done.loss, valBitsPerChar: done.valBitsPerChar, reason: done.reason, elapsedSec: done.elapsedSec, charsPerSec: done.charsPerSec, history: trainer.history,
        message: done.message, kept: { step: kept.step, valBitsPerChar: kept.valBitsPerChar, latestStep: kept.latestStep, written: kept.written },
      });
      trainer.dispose();
    });
  } catch (err) {
    const e = err as Error;
    const user = isInputError(e); // a CheckpointFormatError or an AbortError is one too
    send({ type: 'error', message: e.name === 'AbortError' ? 'cancelled while reading the files' : e.message, kind: user ? 'user' : 'internal' });
    if (!user) send({ type: 'log', message: e.stack ?? String(e) });
  }
  // the last message has reached the editor (or it is gone): leave
  send({ type: 'log', message: 'training process exiting' }, () => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}

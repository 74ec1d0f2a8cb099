/** The "Char RNN: Show Model Info" document: where the model comes from, the model, its training, its corpus, as Markdown. */
import { paramLayout } from '../core/model/model';
import { lastValidation } from '../core/checkpoint/training-state';
import { describeSource, MODEL_PATH_SETTING } from './model-source';
import type { ModelStore } from './model-store';
import type { TrainerMessage, TrainJobRequest } from './training/trainer-process-protocol';

/** The corpus message of the last full training run, kept in the storage folder. */
export type CorpusReport = Omit<TrainerMessage & { type: 'corpus' }, 'type'> & { at: string };

const LISTED = 200;

/** The parts of the ModelStore the document reads. */
type ModelInfoSource = Pick<ModelStore, 'state' | 'own' | 'source' | 'modelPath'>;

export function formatModelInfo(store: ModelInfoSource, corpus: CorpusReport | undefined, job: TrainJobRequest | undefined, lastError: string | undefined): string {
  const lines: string[] = ['# Char RNN model', ''];
  const state = store.state;
  const source = store.source;
  lines.push(`**Source:** ${describeSource(source)}.`, '');
  if (source.kind === 'team') {
    const own = store.own;
    const ownModel = own.kind === 'loaded' ? `this workspace's own model (${(own.checkpoint.training?.step ?? 0).toLocaleString()} training steps)` : 'this workspace\'s own model (there is none yet)';
    lines.push(`The team model is only read, never written: your adaptation to the code you read and type stays in this window's memory. Training, **Reset Model**, **Import Model...** and **Export Model...** act on ${ownModel}, which the editor uses once \`${MODEL_PATH_SETTING}\` is cleared.`, '');
  }
  if (job) lines.push(`**Training now** (${job.kind === 'new' ? 'a new model' : job.kind === 'resume' ? 'resumed' : 'fine-tuning on saved files'}${source.kind === 'team' ? ', this workspace\'s own' : ''}).`, '');
  if (lastError) lines.push(`**Last error:** ${lastError}`, '');
  if (state.kind === 'none') {
    lines.push(source.kind === 'team' ? 'Reading the team model...' : 'No model yet: run **Char RNN: Train on Workspace** or **Char RNN: Import Model...**.', '');
  } else if (state.kind === 'invalid') {
    if (source.kind === 'team') lines.push(`No completions: ${state.message}.`, '', `Fix the file or \`${MODEL_PATH_SETTING}\` (the file is read again when it changes), or clear the setting to use this workspace's own model.`, '');
    else lines.push(`The stored checkpoint cannot be read: ${state.message}`, '', 'Run **Char RNN: Reset Model** and train again, or import a model.', '');
  } else {
    const { model, training } = state.checkpoint;
    const { vocabSize: V, hiddenSize: H, layers: L } = model.config;
    lines.push('## Model', '');
    lines.push(`- Vanilla RNN: hidden size ${H}, ${L} layer${L > 1 ? 's' : ''}, ${V} symbols (${V - 1} characters and the unknown symbol)`);
    lines.push(`- Parameters: ${paramLayout(model.config).size.toLocaleString()}`);
    const d = model.direct;
    lines.push(d
      ? `- Direct n-gram connections: orders 1-${d.config.orders}, ${d.rowCount.toLocaleString()} rows (${(d.table.byteLength / 2 ** 20).toFixed(1)} MB)`
      : '- No direct n-gram connections');
    lines.push(`- Checkpoint: \`${store.modelPath}\`${source.kind === 'team' ? ' (read-only)' : ''} (${(state.bytes / 1024 / 1024).toFixed(2)} MB, ${source.kind === 'team' ? 'modified' : 'saved'} ${state.savedAt.toLocaleString()})`);
    lines.push('');
    if (training) {
      const s = training.settings;
      const best = training.schedule?.best;
      const lastVal = lastValidation(training.history.filter((p) => p.step <= training.step));
      const last = training.history.filter((p) => p.step <= training.step).pop();
      lines.push('## Training', '');
      lines.push(`- Steps: ${training.step.toLocaleString()}, characters seen: ${Math.round(training.charsSeen).toLocaleString()}`);
      if (training.latestStep !== undefined && source.kind === 'workspace') {
        lines.push(`- This is the best model by validation; the run went on to step ${training.latestStep.toLocaleString()} (its latest state is beside the checkpoint, and Resume Training continues from it)`);
      }
      if (last) lines.push(`- Training loss (smoothed): ${last.loss.toFixed(3)} nats/char`);
      if (best) lines.push(`- Validation: ${best.valBitsPerChar.toFixed(3)} bits/char (the best, at step ${best.step.toLocaleString()})`);
      else if (lastVal) lines.push(`- Validation: ${lastVal.valBitsPerChar!.toFixed(3)} bits/char (at step ${lastVal.step.toLocaleString()})`);
      const sc = training.schedule;
      if (sc && sc.lrScale < 1) lines.push(`- Learning rates lowered to x${sc.lrScale} after validation stopped improving`);
      lines.push(`- Settings: ${s.optimizer}, learning rate ${s.learningRate}, clip ${s.clipMode} ${s.clip}, ${s.seqLength} steps x ${s.batchSize} streams, seed ${s.seed}, ${s.threads ?? 1} thread${(s.threads ?? 1) > 1 ? 's' : ''}`);
      lines.push('');
      const points = training.history.filter((p) => p.valBitsPerChar !== undefined).slice(-20);
      if (points.length > 0) {
        lines.push('| step | characters seen | loss (nats/char) | validation (bits/char) |', '|---:|---:|---:|---:|');
        for (const p of points) lines.push(`| ${p.step} | ${Math.round(p.charsSeen).toLocaleString()} | ${p.loss.toFixed(3)} | ${p.valBitsPerChar!.toFixed(3)} |`);
        lines.push('');
      }
    } else {
      lines.push(source.kind === 'team' ? 'This model has no training state.' : 'This model was imported: it has no training state.', '');
    }
  }
  if (corpus) {
    lines.push(`## Corpus${source.kind === 'team' ? ' of this workspace\'s own training' : ''} (read ${new Date(corpus.at).toLocaleString()})`, '');
    lines.push(`- Files used: ${corpus.files.toLocaleString()} (${corpus.trainFiles} for training, ${corpus.valFiles} held out), ${(corpus.bytes / 1024 / 1024).toFixed(2)} MB, ${corpus.chars.toLocaleString()} characters`);
    if (corpus.unknownChars > 0) lines.push(`- Characters outside the vocabulary: ${corpus.unknownChars.toLocaleString()}`);
    const reasons = Object.entries(corpus.skippedByReason).map(([r, n]) => `${n} ${r}`).join(', ');
    lines.push(`- Skipped: ${corpus.skippedCount.toLocaleString()}${reasons ? ` (${reasons})` : ''}`);
    for (const w of corpus.warnings) lines.push(`- Warning: ${w}`);
    lines.push('', '### Files used', '');
    for (const f of corpus.used.slice(0, LISTED)) lines.push(`- \`${f.relPath}\` (${f.bytes.toLocaleString()} bytes${f.split === 'val' ? ', held out' : ''})`);
    if (corpus.files > LISTED) lines.push(`- ... and ${(corpus.files - LISTED).toLocaleString()} more`);
    if (corpus.skipped.length > 0) {
      lines.push('', '### Skipped', '');
      for (const s of corpus.skipped.slice(0, LISTED)) lines.push(`- \`${s.relPath}\`: ${s.reason} (${s.detail})`);
      if (corpus.skippedCount > LISTED) lines.push(`- ... and ${(corpus.skippedCount - LISTED).toLocaleString()} more`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

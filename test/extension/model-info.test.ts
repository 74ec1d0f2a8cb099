import assert from 'node:assert/strict';
import { decodeCheckpoint } from '../../src/core/checkpoint/checkpoint';
import { fastKernels } from '../../src/core/kernels/kernels';
import { CorpusReport, formatModelInfo } from '../../src/extension/model-info';
import type { ModelState, ModelStore } from '../../src/extension/model-store';
import { smallCheckpoint } from '../helpers/checkpoint';

// issue 13, kind 8: Model Info opened as raw Markdown with an empty "Skipped" heading
describe('Model Info', () => {
  const store = { state: { kind: 'none' }, own: { kind: 'none' }, source: { kind: 'workspace' }, modelPath: '/x/model.safetensors' } as unknown as ModelStore;
  const corpus = (skipped: CorpusReport['skipped']): CorpusReport => ({
    files: 1, trainFiles: 1, valFiles: 0, chars: 10, bytes: 10, unknownChars: 0,
    used: [{ relPath: 'a.js', bytes: 10, split: 'train' } as CorpusReport['used'][number]],
    skipped, skippedCount: skipped.length, skippedByReason: {}, warnings: [], at: new Date(0).toISOString(),
  });

  it('has no "Skipped" section when nothing was skipped, and lists what was', () => {
    const none = formatModelInfo(store, corpus([]), undefined, undefined);
    assert.doesNotMatch(none, /### Skipped/);
    assert.match(none, /- Skipped: 0\n/);
    const some = formatModelInfo(store, corpus([{ relPath: 'b.bin', reason: 'binary', detail: 'NUL bytes' } as CorpusReport['skipped'][number]]), undefined, undefined);
    assert.match(some, /### Skipped\n\n- `b\.bin`: binary \(NUL bytes\)/);
  });

  // issue 15: a team model (charRnn.model.path) says where it comes from
  describe('the model\'s source', () => {
    const bytes = smallCheckpoint();
    const loaded = (): ModelState => ({ kind: 'loaded', checkpoint: decodeCheckpoint(bytes, 'x', fastKernels), bytes: bytes.length, savedAt: new Date(0) });
    const team = { kind: 'team', shown: '.vscode/char-rnn.safetensors' } as const;
    const info = (state: ModelState, own: ModelState, source: ModelStore['source'], modelPath: string | undefined) =>
      formatModelInfo({ state, own, source, modelPath } as ModelStore, undefined, undefined, undefined);

    it('names the team model, its file read-only, and what the commands act on', () => {
      const text = info(loaded(), { kind: 'none' }, team, '/ws/.vscode/char-rnn.safetensors');
      assert.match(text, /\*\*Source:\*\* team model: \.vscode\/char-rnn\.safetensors \(read-only, from charRnn\.model\.path\)\./);
      assert.match(text, /never written: your adaptation to the code you read and type stays in this window's memory/);
      assert.match(text, /act on this workspace's own model \(there is none yet\), which the editor uses once `charRnn\.model\.path` is cleared/);
      assert.match(text, /- Checkpoint: `\/ws\/\.vscode\/char-rnn\.safetensors` \(read-only\) \([\d.]+ MB, modified /);
      assert.match(text, /## Training/);
      const withOwn = info(loaded(), loaded(), team, '/ws/.vscode/char-rnn.safetensors');
      assert.match(withOwn, /act on this workspace's own model \(4 training steps\)/);
    });

    it('says the workspace\'s own model is in use, and where its checkpoint is', () => {
      const text = info(loaded(), loaded(), { kind: 'workspace' }, '/storage/model.safetensors');
      assert.match(text, /\*\*Source:\*\* this workspace's trained model\./);
      assert.match(text, /- Checkpoint: `\/storage\/model\.safetensors` \([\d.]+ MB, saved /);
      assert.doesNotMatch(text, /team|read-only/);
    });

    it('gives the team model\'s one-line reason when it cannot be used, and says there are no completions', () => {
      const message = 'the team model .vscode/char-rnn.safetensors (charRnn.model.path) was not found';
      const text = info({ kind: 'invalid', message }, loaded(), team, '/ws/.vscode/char-rnn.safetensors');
      assert.match(text, /No completions: the team model \.vscode\/char-rnn\.safetensors \(charRnn\.model\.path\) was not found\./);
      assert.match(text, /clear the setting to use this workspace's own model/);
      assert.doesNotMatch(text, /stored checkpoint|Reset Model\*\* and train/);
      assert.doesNotMatch(text, /## Model\n/);
    });
  });
});

import assert from 'node:assert/strict';
import { CorpusReport, formatModelInfo } from '../../src/extension/model-info';
import type { ModelStore } from '../../src/extension/model-store';

// issue 13, kind 8: Model Info opened as raw Markdown with an empty "Skipped" heading
describe('Model Info', () => {
  const store = { state: { kind: 'none' }, checkpointPath: '/x/model.safetensors' } as unknown as ModelStore;
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
});

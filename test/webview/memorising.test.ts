import assert from 'node:assert/strict';
import { memorisingNote } from '../../src/webview/ui/memorising';

describe('the panel\'s memorising note', () => {
  it('appears after 3 validations above the best while the training loss is below its value there, and only then', () => {
    const steps = [100, 200, 300, 400, 500];
    assert.equal(memorisingNote(steps, [2, 1.6, 1.4, 1.3, 1.2], [3, 2.5, 2.6, 2.7, 2.8])?.startsWith('Validation has risen for 3 validations since step 200'), true);
    assert.equal(memorisingNote(steps, [2, 1.6, 1.4, 1.3, 1.7], [3, 2.5, 2.6, 2.7, 2.8]), undefined, 'the training loss rose too: not memorising');
    assert.equal(memorisingNote(steps, [2, 1.6, 1.4, 1.3, 1.2], [3, 2.5, 2.6, 2.4, 2.8]), undefined, 'a new best');
    assert.equal(memorisingNote(steps, [2, 1.6, 1.4, 1.3, 1.2], [3, 2.5, null, 2.7, 2.8]), undefined, 'two validations since the best');
    assert.equal(memorisingNote([], [], []), undefined);
  });
});

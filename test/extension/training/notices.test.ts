/**
 * The editor's notification at the end of a training job (src/extension/training/notices.ts): a run
 * that diverged is a warning, never an information message, for every kind of job (a fine-tuning on
 * save included), and it says that the good model was kept or left unchanged.
 */
import assert from 'node:assert/strict';
import { doneNotice, DoneMessage } from '../../../src/extension/training/notices';

function done(over: Partial<DoneMessage>): DoneMessage {
  return {
    type: 'done', step: 400, charsSeen: 1e6, loss: 1.2, reason: 'time', elapsedSec: 60, charsPerSec: 20_000, history: [],
    kept: { step: 400, valBitsPerChar: 1.96, written: true },
    ...over,
  };
}

describe('the notice at the end of a training job', () => {
  const diverged = done({
    reason: 'diverged',
    step: 420,
    message: 'training diverged at step 420: validation 4991.000 bits/char is worse than uniform guessing; lower the learning rate',
    kept: { step: 200, valBitsPerChar: 1.96, written: true },
  });

  it('warns when the run diverged, names the reason and the best model kept', () => {
    for (const kind of ['new', 'resume'] as const) {
      const notice = doneNotice(kind, diverged);
      assert.equal(notice?.severity, 'warning', kind);
      assert.match(notice!.text, /^Char RNN: training diverged at step 420: validation 4991\.000 bits\/char is worse than uniform guessing; lower the learning rate\. /);
      assert.match(notice!.text, /Kept the best model: step 200, validation 1\.96 bits\/char\.$/);
    }
  });

  it('says the model was not changed when the diverged run wrote nothing (the good checkpoint stays)', () => {
    const notice = doneNotice('resume', done({ reason: 'diverged', message: 'training diverged at step 3: the loss is not finite', kept: { step: 1200, valBitsPerChar: 1.8, written: false } }));
    assert.equal(notice?.severity, 'warning');
    assert.equal(notice?.text, 'Char RNN: training diverged at step 3: the loss is not finite. The model was not changed.');
  });

  it('warns for a diverged fine-tuning on save too, which is silent when it goes well', () => {
    const fineTuned = doneNotice('fineTune', done({ reason: 'diverged', message: 'training diverged at step 9: the gradient is not finite', kept: { step: 1200, written: false } }));
    assert.equal(fineTuned?.severity, 'warning');
    assert.match(fineTuned!.text, /the gradient is not finite\. The model was not changed\.$/);
    assert.equal(doneNotice('fineTune', done({ reason: 'time' })), undefined);
  });

  it('a diverged run without a message still warns', () => {
    assert.equal(doneNotice('new', done({ reason: 'diverged', message: undefined }))?.text.startsWith('Char RNN: training diverged. Kept the best model'), true);
  });

  it('informs when a run finished, stopped or converged', () => {
    for (const reason of ['time', 'steps', 'stopped', 'converged'] as const) {
      const notice = doneNotice('new', done({ reason }));
      assert.equal(notice?.severity, 'info', reason);
      assert.match(notice!.text, new RegExp(`^Char RNN (finished|stopped|converged) training after 400 steps\\. Kept the best model: step 400, validation 1\\.96 bits/char\\.$`));
    }
  });

  it('says, while a team model is in use, that the model trained is the workspace\'s own and the team model stays in use', () => {
    const team = '.vscode/char-rnn.safetensors';
    const finished = doneNotice('new', done({ reason: 'time' }), team);
    assert.match(finished!.text, /^Char RNN finished training after 400 steps\. Kept the best model: step 400, validation 1\.96 bits\/char\. Completions keep using the team model \.vscode\/char-rnn\.safetensors \(charRnn\.model\.path\) while it is set; this workspace's own model is used once it is cleared\.$/);
    assert.match(doneNotice('resume', diverged, team)!.text, /Kept the best model: step 200, validation 1\.96 bits\/char\. Completions keep using the team model/);
    assert.equal(doneNotice('fineTune', done({ reason: 'time' }), team), undefined);
    assert.doesNotMatch(doneNotice('new', done({ reason: 'time' }))!.text, /team/);
  });
});

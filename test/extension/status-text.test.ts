/**
 * The status bar's words (src/extension/status-text.ts): the team model's source (charRnn.model.path)
 * in the text and the tooltip, and its errors, apart from the workspace's own model.
 */
import assert from 'node:assert/strict';
import { statusText } from '../../src/extension/status-text';

describe('the status bar item', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  const savedAt = new Date('2025-06-01T11:55:00Z');

  it('says "team model", its path and read-only when the model in use is a team model', () => {
    const s = statusText({ kind: 'ready', bitsPerChar: 1.834, savedAt, steps: 1200, team: '.vscode/char-rnn.safetensors' }, undefined, now);
    assert.equal(s.text, '$(lock) Char RNN: team model 1.83 bits/char · 5m ago');
    assert.match(s.tooltip, /^Char RNN team model: \.vscode\/char-rnn\.safetensors \(read-only, from charRnn\.model\.path; /);
    assert.match(s.tooltip, /1,200 training steps, validation 1\.83 bits\/char/);
    assert.equal(s.error, false);
  });

  it('says nothing of a team for the workspace\'s own model', () => {
    const s = statusText({ kind: 'ready', bitsPerChar: 1.834, savedAt, steps: 1200 }, undefined, now);
    assert.equal(s.text, '$(check) Char RNN: 1.83 bits/char · 5m ago');
    assert.doesNotMatch(s.text + s.tooltip, /team/);
    assert.match(s.tooltip, /this workspace's trained model/);
  });

  it('shows a team model that cannot be read as an error, with its one-line reason', () => {
    const message = 'the team model .vscode/char-rnn.safetensors (charRnn.model.path) was not found';
    const s = statusText({ kind: 'error', message, team: '.vscode/char-rnn.safetensors' }, { enabled: true, shown: 0, accepted: 0, acceptedChars: 0 }, now);
    assert.equal(s.text, '$(error) Char RNN: team model error');
    assert.ok(s.tooltip.startsWith(`Char RNN: ${message}. Click for actions.`), s.tooltip);
    assert.equal(s.error, true);
    assert.equal(statusText({ kind: 'error', message: 'x' }, undefined, now).text, '$(error) Char RNN: error');
  });

  it('says a team model is being read, and that completions are off', () => {
    const s = statusText({ kind: 'loading', team: '/models/team.safetensors' }, { enabled: false, shown: 4, accepted: 1, acceptedChars: 9 }, now);
    assert.equal(s.text, '$(sync~spin) Char RNN: loading the team model (completions off)');
    assert.match(s.tooltip, /\/models\/team\.safetensors/);
    assert.match(s.tooltip, /4 suggestions shown, 1 accepted \(25%\)/);
  });
});

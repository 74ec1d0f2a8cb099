/**
 * A team model in a real editor (issue 15): the workspace test/e2e/fixtures/team-model names
 * `.vscode/char-rnn.safetensors` in its `.vscode/settings.json` (`charRnn.model.path`). These tests run
 * only there:
 *   MOCHA_GREP='team model' node test/e2e/runner.mjs --mode dev --reload --workspace test/e2e/fixtures/team-model
 * The checkpoint is not kept in git: the window opens without it (a clear error, no completions), then a
 * test writes it as a `git pull` would (by renaming a new file into place), and the extension loads it.
 * After the window reload, it is loaded at activation. Throughout, the file's bytes never change. The model
 * is trained by the PyTorch trainer (pytorch/): a PyTorch model loads in the editor and gives completions.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { decodeCheckpoint } from '../../../src/core/checkpoint/checkpoint';
import { DEFAULT_COMPLETION_SETTINGS } from '../../../src/core/infer/completion-rules';
import { fastKernels } from '../../../src/core/kernels/kernels';
import { encodeFiles } from '../../../src/core/model/encoded-text';
import { Vocab } from '../../../src/core/model/vocab';
import { encodeCorpusExport } from '../../../src/core/train/corpus-export';
import { okTorch } from '../../helpers/python';
import type { CharRnnApi } from '../../../src/extension/extension';
import type { ModelState } from '../../../src/extension/model-store';
import { CompletionService } from '../../../src/extension/completions/service';
import type { Settings } from '../../../src/extension/settings';
import { getApi, restoreWorkspaceSettings, saveWorkspaceSettings, SavedSettings, waitFor, typeWithSuggestions } from './util';

const SHOWN = '.vscode/char-rnn.safetensors';
const INFO_URI = vscode.Uri.parse('char-rnn:/Char%20RNN%20Model%20Info.md');
/** the workspace sets charRnn.model.path: the team-model fixture */
const inTeamWorkspace = vscode.workspace.getConfiguration('charRnn').inspect('model.path')?.workspaceValue === SHOWN;

const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const teamFile = () => path.join(root(), '.vscode', 'char-rnn.safetensors');
/** a copy of the bytes written, for the phase after the window reload */
const writtenCopy = () => path.join(root(), '.e2e', 'team-model.written');

/**
 * A small model with direct connections trained on the workspace's code by the PyTorch trainer
 * (pytorch/char_rnn_torch, issue 15), as a team would train it on a bigger machine: the corpus file is
 * written as `char-rnn export-corpus` writes it, the model by `python3 -m char_rnn_torch.train`.
 */
function teamCheckpoint(): Uint8Array {
  const text = fs.readFileSync(path.join(root(), 'src', 'orders.js'), 'utf8');
  const vocab = Vocab.build([text]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'team-model-'));
  try {
    const corpus = path.join(dir, 'corpus.safetensors'), out = path.join(dir, 'model.safetensors');
    const train = encodeFiles(vocab, [{ relPath: 'orders.js', text: text.repeat(4) }]);
    fs.writeFileSync(corpus, encodeCorpusExport({ vocab, train, val: encodeFiles(vocab, []), unknownChars: 0 }));
    okTorch('train', ['--corpus', corpus, '--out', out, '--steps', '300', '--hidden', '32', '--seq', '32', '--batch', '4', '--direct-orders', '4', '--direct-mb', '1', '--seed', '11', '--json']);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `bytes` as a checkout does: a new file renamed over the old one. */
function checkOut(bytes: Uint8Array): void {
  const temp = `${teamFile()}.tmp-git`;
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, teamFile());
}

/** Shows Model Info and waits until its document (updated by the editor after the provider's change event) matches `pattern`. */
async function modelInfo(pattern: RegExp): Promise<string> {
  await vscode.commands.executeCommand('charRnn.showModelInfo');
  const doc = await vscode.workspace.openTextDocument(INFO_URI);
  try {
    await waitFor(() => pattern.test(doc.getText()), 10_000, `Model Info to match ${pattern}`);
  } catch {
    assert.match(doc.getText(), pattern); // fails with the text shown
  }
  return doc.getText();
}

/** The completion settings a suggestion is made with here: the defaults, without the confidence gate (the model is tiny), one line. */
const SETTINGS: Settings['completion'] = {
  enabled: true, disabledLanguages: [], maxChars: DEFAULT_COMPLETION_SETTINGS.maxChars, minConfidence: 0, alternatives: 1,
  temperature: DEFAULT_COMPLETION_SETTINGS.temperature, topK: DEFAULT_COMPLETION_SETTINGS.topK, topP: DEFAULT_COMPLETION_SETTINGS.topP,
  multiline: 1, mode: DEFAULT_COMPLETION_SETTINGS.mode, debounceMs: 0, adapt: true, adaptMB: 32, cacheMB: 32,
};

/** The extension's automatic suggestion (its provider's whole work) at the end of `text` in a new document. */
async function suggestAtEnd(api: CharRnnApi, text: string): Promise<string | undefined> {
  const doc = await vscode.workspace.openTextDocument({ language: 'javascript', content: text });
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  const items = api.completions.suggest(doc, end, 'automatic', SETTINGS);
  return items?.[0]?.insertText as string | undefined;
}

const PREFIX = 'function itemCount(order) {\n  let count = 0;\n  for (const item of ord';

if (inTeamWorkspace) describe('team model: charRnn.model.path in .vscode/settings.json', function () {
  this.timeout(180_000);
  let saved: SavedSettings;
  let written: Uint8Array;
  before(() => { saved = saveWorkspaceSettings(); });
  after(() => restoreWorkspaceSettings(saved));

  it('a missing file: one clear line in the status bar and Model Info, no completions, no fallback to another model', async () => {
    const api = await getApi();
    await api.store.settled();
    assert.equal(fs.existsSync(teamFile()), false, 'the fixture has no checkpoint');
    assert.deepEqual(api.store.source, { kind: 'team', shown: SHOWN });
    const state = api.store.state;
    assert.equal(state.kind, 'invalid');
    const message = `the team model ${SHOWN} (charRnn.model.path) was not found`;
    if (state.kind === 'invalid') assert.equal(state.message, message);
    assert.equal(api.completions.isActive, false, 'no provider without the team model');
    await waitFor(() => api.status.text === '$(error) Char RNN: team model error', 10_000, `the status bar's error (it says "${api.status.text}")`);
    assert.ok(api.status.tooltip.startsWith(`Char RNN: ${message}.`), api.status.tooltip);
    await modelInfo(new RegExp(`No completions: ${message.replace(/[.()]/g, '\\$&')}\\.`));
  });

  it('the file arriving (a git pull; trained by the PyTorch trainer) is loaded read-only: the status bar and Model Info name it, completions come from it, adaptation stays in memory, the bytes never change', async () => {
    const api = await getApi();
    const t0 = Date.now();
    written = teamCheckpoint();
    console.log(`        team model trained in the extension host in ${Date.now() - t0} ms (${written.length.toLocaleString()} bytes)`);
    fs.mkdirSync(path.dirname(writtenCopy()), { recursive: true });
    fs.writeFileSync(writtenCopy(), written);
    const t1 = Date.now();
    checkOut(written);
    await waitFor(() => api.store.state.kind === 'loaded', 30_000, 'the team model loaded after it was written');
    console.log(`        loaded ${Date.now() - t1} ms after it was written (the file watcher, then the worker's read)`);
    const state = api.store.state;
    assert.ok(state.kind === 'loaded');
    assert.equal(api.store.modelPath, teamFile());
    assert.equal(state.bytes, written.length);
    // the model in use is the file's, parameter for parameter
    const decoded = decodeCheckpoint(written, 'team', fastKernels);
    assert.equal(state.checkpoint.model.config.hiddenSize, 32);
    assert.deepEqual(Array.from(state.checkpoint.model.params), Array.from(decoded.model.params));
    assert.equal(api.store.own.kind, 'none', 'the workspace has no model of its own');

    await waitFor(() => api.status.text.startsWith('$(lock) Char RNN: team model'), 10_000, `the status bar names the team model (it says "${api.status.text}")`);
    assert.match(api.status.tooltip, /^Char RNN team model: \.vscode\/char-rnn\.safetensors \(read-only, from charRnn\.model\.path; /);
    const info = await modelInfo(/## Model\n/);
    assert.match(info, /\*\*Source:\*\* team model: \.vscode\/char-rnn\.safetensors \(read-only, from charRnn\.model\.path\)\./);
    assert.ok(info.includes(`- Checkpoint: \`${teamFile()}\` (read-only)`), info);

    // completions: the provider is registered and suggests what the team model itself proposes (adaptation off for the comparison)
    const config = vscode.workspace.getConfiguration('charRnn');
    await config.update('completion.adapt', false, vscode.ConfigurationTarget.Workspace);
    assert.equal(api.completions.isActive, true, 'the provider is registered with the team model');
    const engine = new CompletionService();
    engine.setModel(state.checkpoint.model, { enabled: false });
    const expected = engine.automatic({ key: 'x', text: PREFIX, base: 0, offset: PREFIX.length }, { ...DEFAULT_COMPLETION_SETTINGS, minConfidence: 0, maxLines: 1, mode: SETTINGS.mode })?.text;
    assert.ok(expected && expected.length >= 2, `the team model proposes something after the prefix (got ${JSON.stringify(expected)})`);
    assert.equal(await suggestAtEnd(api, PREFIX), expected);

    // adaptation on top of it, in memory only
    await config.update('completion.adapt', true, vscode.ConfigurationTarget.Workspace);
    const dyn = api.completions.service.adaptation;
    assert.ok(dyn, 'adaptation on the team model\'s direct connections');
    await typeWithSuggestions(api, 'const frobnicator = makeFrobnicator();\nfrobnicator.start(frobnicator);\n'.repeat(3));
    assert.ok(dyn.segmentsLearned >= 3, `${dyn.segmentsLearned} segments learned`);
    assert.ok(dyn.adaptation.adaptedRows > 0);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    assert.deepEqual(fs.readFileSync(teamFile()), Buffer.from(written), 'the team model\'s file is unchanged');
  });

  it('Train on Workspace trains the workspace\'s own model in storage; the editor keeps the team model, whose file is unchanged', async () => {
    const api = await getApi();
    const team = api.store.state;
    assert.ok(team.kind === 'loaded');
    const mtime = fs.statSync(teamFile()).mtimeMs;
    await api.training.trainWorkspace();
    const own = api.store.own;
    assert.equal(own.kind, 'loaded', 'training made the workspace\'s own model');
    assert.ok(fs.existsSync(api.store.checkpointPath));
    assert.notEqual(api.store.checkpointPath, teamFile());
    assert.equal(api.store.state, team, 'the team model is still the one in use');
    assert.equal(api.completions.isActive, true);
    await waitFor(() => api.status.text.startsWith('$(lock) Char RNN: team model'), 10_000, `the status bar names the team model after training (it says "${api.status.text}")`);
    assert.deepEqual(fs.readFileSync(teamFile()), Buffer.from(written), 'the team model\'s file is unchanged');
    assert.equal(fs.statSync(teamFile()).mtimeMs, mtime);
    await modelInfo(/act on this workspace's own model \([\d,]+ training steps\), which the editor uses once `charRnn\.model\.path` is cleared/);
  });

  it('a corrupt update is an error with no completions from the stale model; the fixed file is loaded again', async () => {
    const api = await getApi();
    checkOut(written.subarray(0, written.length - 64)); // a truncated file
    await waitFor(() => api.store.state.kind === 'invalid', 30_000, 'the truncated file refused');
    const state = api.store.state;
    if (state.kind === 'invalid') assert.match(state.message, /^the team model \.vscode\/char-rnn\.safetensors \(charRnn\.model\.path\) cannot be read: [^\n]+$/);
    assert.equal(api.completions.isActive, false, 'no provider: the previous team model is not used');
    assert.equal(await suggestAtEnd(api, PREFIX), undefined);
    await waitFor(() => api.status.text === '$(error) Char RNN: team model error', 10_000, `the status bar's error (it says "${api.status.text}")`);
    checkOut(written);
    await waitFor(() => api.store.state.kind === 'loaded', 30_000, 'the fixed file loaded again');
    assert.equal(api.completions.isActive, true);
  });

  it('clearing the setting switches to the workspace\'s own model at once, and setting it back to the team model; a path out of the workspace is refused', async () => {
    const api = await getApi();
    const config = vscode.workspace.getConfiguration('charRnn');
    await config.update('model.path', undefined, vscode.ConfigurationTarget.Workspace);
    await waitFor(() => api.store.source.kind === 'workspace', 10_000, 'the own model in use');
    assert.equal(api.store.state, api.store.own);
    assert.equal(api.store.state.kind, 'loaded');
    await waitFor(() => api.status.text.startsWith('$(check) Char RNN:'), 10_000, `the status bar shows the own model (it says "${api.status.text}")`);
    await modelInfo(/\*\*Source:\*\* this workspace's trained model\./);

    await config.update('model.path', '../outside.safetensors', vscode.ConfigurationTarget.Workspace);
    await waitFor(() => api.store.state.kind === 'invalid', 10_000, 'the path out of the workspace refused');
    const refused = api.store.state as ModelState; // read again: the setting changed it
    if (refused.kind === 'invalid') assert.equal(refused.message, 'charRnn.model.path "../outside.safetensors" leads outside the workspace folder: give the absolute path of a file elsewhere');
    assert.equal(api.completions.isActive, false);

    await config.update('model.path', SHOWN, vscode.ConfigurationTarget.Workspace);
    await waitFor(() => api.store.state.kind === 'loaded' && api.store.source.kind === 'team', 30_000, 'the team model in use again');
    assert.equal(api.store.modelPath, teamFile());
    assert.deepEqual(fs.readFileSync(teamFile()), Buffer.from(written), 'the team model\'s file is unchanged');
  });
});

if (inTeamWorkspace) describe('the team model after a window reload', function () {
  this.timeout(60_000);
  it('is loaded at activation from .vscode/settings.json, gives completions, and its file is still the bytes written', async () => {
    const api = await getApi();
    const state = await api.store.settled();
    assert.equal(state.kind, 'loaded');
    assert.deepEqual(api.store.source, { kind: 'team', shown: SHOWN });
    assert.equal(api.completions.isActive, true);
    await waitFor(() => api.status.text.startsWith('$(lock) Char RNN: team model'), 10_000, `the status bar names the team model (it says "${api.status.text}")`);
    assert.ok(await suggestAtEnd(api, PREFIX), 'a suggestion from the team model');
    assert.deepEqual(fs.readFileSync(teamFile()), fs.readFileSync(writtenCopy()), 'the team model\'s file is unchanged');
  });
});

/**
 * Train on Workspace in a real editor, on test/e2e/fixtures/training (copied to a temporary folder by
 * the runner): the checkpoint, the files never read, the status bar, Stop, a killed trainer and Resume,
 * a corrupt checkpoint, and the host's event-loop delay while training (logged; the test checks that the
 * training runs in its own process). After a window reload: the model is loaded again, and the first
 * training uses the workspace settings that were on disk when the window opened.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { CharRnnApi } from '../../../src/extension/extension';
import { WALKTHROUGH_ID } from '../../../src/extension/training/first-run';
import { getApi, nextMessage, restoreWorkspaceSettings, saveWorkspaceSettings, SavedSettings, waitFor } from './util';

/**
 * Written into the workspace's .vscode/settings.json on disk, outside the editor, at the end of the first
 * phase: the first training after the window is loaded again must use them. None is a default and none
 * is the fixture's.
 */
/** Written in the workspace by the first phase's last test when it leaves a training run going. */
const LEFT_RUNNING = '.e2e-left-running';

const ON_DISK_FOR_RELOAD = {
  'charRnn.model.hiddenSize': 24,
  'charRnn.training.seqLength': 16,
  'charRnn.training.batchSize': 8,
  'charRnn.training.timeBudgetMinutes': 0.1,
};

function settingsFile(): string {
  return path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode', 'settings.json');
}

async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('charRnn').update(key, value, vscode.ConfigurationTarget.Workspace);
}

describe('Train on Workspace', function () {
  this.timeout(120_000);
  let api: CharRnnApi;
  let root: string;
  let saved: SavedSettings;

  before(async () => {
    api = await getApi();
    saved = saveWorkspaceSettings();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace is open');
    root = folder.uri.fsPath;
    // files git would not keep in the fixture: made here, each must stay unread
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    write('.gitignore', 'ignored/\n*.secret\n');
    // every file that must stay unread holds '§', which no read file has
    write('ignored/hidden.js', "module.exports = 'IGNORED_BY_GITIGNORE §';\n");
    write('keys.secret', 'SECRET_TOKEN_NEVER_READ §\n');
    write('node_modules/pkg/index.js', "module.exports = 'A_DEPENDENCY §';\n");
    await api.store.reset();
  });

  afterEach(async () => {
    if (api.controller.isRunning) await api.controller.stop();
  });

  after(async () => {
    await restoreWorkspaceSettings(saved);
    // as a user (or a git checkout) would change them while the editor is closed: see the reload phase
    const file = settingsFile();
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...json, ...ON_DISK_FOR_RELOAD }, null, 2));
  });

  it('shows "no model" in the status bar before any training', () => {
    assert.equal(api.status.current.kind, 'none');
    assert.match(api.status.text, /no model/);
  });

  // issue 13, the first run: one dismissible offer, never a training the user did not ask for
  it('offers to train once in a workspace with enough text and no model, starts nothing unasked, and has a walkthrough', async () => {
    await waitFor(() => api.training.firstRun !== undefined, 30_000, 'the first-run check at activation');
    assert.equal(api.training.firstRun, 'not enough text', 'the fixture alone has about 6 KB of text');
    const big = path.join(root, 'big-for-first-run.js');
    fs.writeFileSync(big, Array.from({ length: 600 }, (_, i) => `export const value${i} = compute(${i});\n`).join(''));
    try {
      assert.equal(await api.training.checkFirstRun(), 'prompted');
      assert.equal(api.controller.isRunning, false, 'the offer trains nothing by itself');
    } finally {
      fs.rmSync(big, { force: true });
    }
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  // issue 13: the time from Train on Workspace to the first ghost text, on the built-in corpus, with the
  // default model and gate (reported; the test checks that a suggestion comes while training runs)
  it('gives a first suggestion soon after Train on Workspace starts on the built-in corpus, and reports the time', async function () {
    this.timeout(240_000);
    const corpus = path.join(__dirname, '..', '..', '..', '..', 'media', 'corpus');
    assert.ok(fs.existsSync(corpus), corpus);
    const copy = path.join(root, 'builtin-corpus');
    fs.cpSync(corpus, copy, { recursive: true });
    const config = vscode.workspace.getConfiguration('charRnn');
    try {
      await setting('training.include', ['builtin-corpus/**']);
      await setting('model.hiddenSize', config.inspect('model.hiddenSize')?.defaultValue);
      await setting('training.seqLength', undefined);
      await setting('training.batchSize', undefined);
      await setting('training.checkpointSeconds', 60);
      await setting('training.timeBudgetMinutes', 2);
      await setting('completion.minConfidence', undefined);
      await setting('completion.enabled', true);
      await api.store.reset();
      const text = "'use strict';\n\nvar Runnable = require('./runnable');\nvar utils = require('./utils');\n\nfunction Suite(title, parentContext, isRoot) {\n  if (!utils.isString(title)) {\n    throw ";
      // the text as typed so far, cut after each space, bracket, dot or quote: a document for each, the cursor at its end
      const docs: vscode.TextDocument[] = [];
      for (let k = 1; k <= text.length; k++) {
        if (' ([.\'\n'.includes(text[k - 1])) docs.push(await vscode.workspace.openTextDocument({ language: 'javascript', content: text.slice(0, k) }));
      }
      const end = (d: vscode.TextDocument) => d.lineAt(d.lineCount - 1).range.end;
      const started = performance.now();
      let ended = false;
      const training = api.training.trainWorkspace().finally(() => { ended = true; });
      let firstMs: number | undefined;
      let shown = '';
      while (firstMs === undefined && !ended && performance.now() - started < 180_000) {
        for (const doc of docs) {
          const items = api.completions.isActive ? api.completions.suggest(doc, end(doc), 'automatic') : undefined;
          if (items?.length) {
            firstMs = performance.now() - started;
            shown = String(items[0].insertText);
            break;
          }
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      console.log(`        first suggestion ${firstMs === undefined ? 'none' : `${(firstMs / 1000).toFixed(1)} s`} after Train on Workspace (built-in corpus, default model and gate, checkpoints at 15, 30, 60 s): ${JSON.stringify(shown)}`);
      assert.ok(firstMs !== undefined, 'a suggestion came while the training ran');
      if (api.controller.isRunning) await api.controller.stop();
      await training;
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await restoreWorkspaceSettings(saved);
      await api.store.reset();
    }
  });

  it('says so when no file can be used, and starts nothing', async () => {
    await setting('training.include', ['**/*.nothing-matches-this']);
    try {
      await vscode.commands.executeCommand('charRnn.trainWorkspace');
    } finally {
      await setting('training.include', []);
    }
    assert.equal(api.controller.isRunning, false);
    assert.equal(api.store.state.kind, 'none', 'no model was made');
    assert.equal(api.status.current.kind, 'none');
    assert.ok(!fs.existsSync(api.store.checkpointPath));
  });

  it('trains with a tiny budget, writes a checkpoint, follows the states in the status bar, and never reads excluded files', async () => {
    const statuses = new Set<string>();
    const seen = setInterval(() => statuses.add(api.status.current.kind), 20);
    const done = vscode.commands.executeCommand('charRnn.trainWorkspace');
    await waitFor(() => api.status.current.kind === 'training', 30_000, 'the training state');
    assert.match(api.status.text, /training \d+%/);
    assert.equal(api.controller.currentJob?.seconds, 6, 'the time budget of the workspace settings (0.1 minutes)');
    await done;
    clearInterval(seen);
    assert.ok(statuses.has('training'));
    assert.ok(fs.existsSync(api.store.checkpointPath), 'a checkpoint was written');
    const state = api.store.state;
    assert.equal(state.kind, 'loaded');
    if (state.kind !== 'loaded') return;
    const workspaceValue = vscode.workspace.getConfiguration('charRnn').inspect('model.hiddenSize')?.workspaceValue;
    assert.equal(state.checkpoint.model.config.hiddenSize, 32, `the fixture's workspace settings say 32; they say ${JSON.stringify(workspaceValue)} now (an earlier suite's change left behind?)`);
    assert.ok(state.checkpoint.training!.step > 0);
    assert.equal(api.status.current.kind, 'ready');
    assert.match(api.status.text, /bits\/char|ready/);

    const report = JSON.parse(fs.readFileSync(path.join(api.store.folder, 'corpus.json'), 'utf8')) as { used: { relPath: string }[]; skipped: { relPath: string; reason: string }[] };
    const used = report.used.map((f) => f.relPath);
    assert.ok(used.includes('src/app.js') && used.includes('src/util.js'), `used: ${used.join(', ')}`);
    for (const never of ['ignored/hidden.js', 'keys.secret', 'generated/out.js', 'files-excluded/x.js', 'search-excluded/y.js', 'node_modules/pkg/index.js', 'image.png']) {
      assert.ok(!used.some((u) => u.startsWith(never.split('/')[0])), `${never} was used`);
    }
    const skipped = new Map(report.skipped.map((s) => [s.relPath, s.reason]));
    assert.equal(skipped.get('ignored'), 'ignored');
    assert.equal(skipped.get('keys.secret'), 'ignored');
    assert.equal(skipped.get('generated'), 'ignored');
    assert.equal(skipped.get('files-excluded'), 'ignored');
    assert.equal(skipped.get('search-excluded'), 'ignored');
    assert.ok(['ignored', 'default-exclude'].includes(skipped.get('node_modules') ?? ''), 'node_modules (search.exclude has it by default)');
    assert.equal(skipped.get('image.png'), 'not-text-extension');
    // the vocabulary comes from read files only
    assert.ok(!state.checkpoint.model.vocab.symbols.includes('§'), 'a character only the excluded files contain');
  });

  it('Stop ends the training process in seconds, not at the end of its budget, and keeps a loadable checkpoint', async () => {
    await setting('training.timeBudgetMinutes', 5);
    const started = nextMessage(api, 'start', 60_000);
    void vscode.commands.executeCommand('charRnn.resumeTraining');
    await started;
    const t0 = Date.now();
    await vscode.commands.executeCommand('charRnn.stopTraining');
    // the budget is 5 minutes; the stop's target is 2 s (README, "Speed and memory"): the time is logged,
    // and only 10 times the target fails the test (a busy machine slows it)
    await waitFor(() => !api.controller.isRunning, 20_000, 'the process to exit');
    const elapsed = Date.now() - t0;
    console.log(`        stop took ${elapsed} ms`);
    assert.equal((await api.store.load()).kind, 'loaded');
  });

  it('does not start a second job while one runs', async () => {
    await setting('training.timeBudgetMinutes', 5);
    const started = nextMessage(api, 'start', 60_000);
    void vscode.commands.executeCommand('charRnn.resumeTraining');
    await started;
    const pid = api.controller.pid;
    void vscode.commands.executeCommand('charRnn.resumeTraining'); // says it is already training
    void vscode.commands.executeCommand('charRnn.trainWorkspace'); // offers to restart; nobody answers
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(api.controller.pid, pid, 'the same process still trains');
    await api.controller.stop();
  });

  it('Resume Training continues the stored model as it is after its model settings changed (the model kept)', async () => {
    const state = api.store.state;
    assert.equal(state.kind, 'loaded');
    const hidden = state.kind === 'loaded' ? state.checkpoint.model.config.hiddenSize : 0;
    // the change asks whether to reset the model; nobody answers, so the model stays
    await setting('model.hiddenSize', hidden + 16);
    try {
      await setting('training.timeBudgetMinutes', 5);
      const first = Promise.race([nextMessage(api, 'start', 30_000), nextMessage(api, 'error', 30_000)]);
      void vscode.commands.executeCommand('charRnn.resumeTraining');
      const m = await first;
      assert.equal(m.type, 'start', m.type === 'error' ? `the resume failed: ${m.message}` : '');
      assert.ok(m.type === 'start' && m.step > 0, 'resumed from the stored step, not a new model');
      await api.controller.stop();
      const after = await api.store.load();
      assert.equal(after.kind === 'loaded' && after.checkpoint.model.config.hiddenSize, hidden);
    } finally {
      await setting('model.hiddenSize', saved.get('model.hiddenSize'));
    }
  });

  it('fine-tunes briefly on a saved file when training on save is on', async () => {
    await setting('training.trainOnSave', true);
    try {
      const before = api.store.state.kind === 'loaded' ? api.store.state.checkpoint.training!.step : 0;
      const doc = await vscode.workspace.openTextDocument(path.join(root, 'src', 'util.js'));
      const editor = await vscode.window.showTextDocument(doc);
      await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// saved\n'));
      const started = nextMessage(api, 'start', 60_000);
      await doc.save();
      await started;
      assert.equal(api.controller.currentJob?.kind, 'fineTune');
      assert.deepEqual(api.controller.currentJob?.roots, [doc.uri.fsPath]);
      await waitFor(() => !api.controller.isRunning, 60_000, 'the fine-tuning to end');
      const state = await api.store.load();
      assert.ok(state.kind === 'loaded' && state.checkpoint.training!.step > before, 'the model trained on');
    } finally {
      await setting('training.trainOnSave', false);
    }
  });

  it('a trainer killed with SIGKILL leaves the last checkpoint loadable (the best model), and Resume continues from the latest step', async () => {
    await setting('training.timeBudgetMinutes', 5);
    // a fresh run (the model of the tests before may have converged, and a resumed run could then end
    // by itself before the kill): the first periodic checkpoint, then SIGKILL while it trains on
    await api.store.reset();
    const checkpoint = nextMessage(api, 'checkpoint', 60_000);
    const ended = nextMessage(api, 'done', 120_000).catch(() => undefined);
    void api.training.trainWorkspace();
    const saved = await checkpoint;
    const pid = api.controller.pid;
    assert.ok(pid && api.controller.isRunning, `the run is still training when it is killed (it ended: ${JSON.stringify(await Promise.race([ended, Promise.resolve('running')]))})`);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !api.controller.isRunning, 20_000, 'the killed process to be noticed');
    await waitFor(() => api.status.current.kind === 'error', 20_000, 'the error state');
    assert.match(api.status.current.kind === 'error' ? api.status.current.message : '', /SIGKILL/);
    const state = await api.store.load();
    assert.equal(state.kind, 'loaded');
    // the store holds the best model by validation; the latest state, when it is another, is beside it
    assert.equal(state.kind === 'loaded' && state.checkpoint.training!.step, saved.keptStep);
    const resumed = nextMessage(api, 'start', 60_000);
    void vscode.commands.executeCommand('charRnn.resumeTraining');
    const start = await resumed;
    // at least the announced checkpoint's step: a later periodic save may have been under way when it was killed
    assert.ok(start.step >= saved.step, `resumed from step ${start.step}, the checkpoint announced step ${saved.step}`);
    await api.controller.stop();
  });

  it('reports a corrupt checkpoint as an error state with Reset offered, without crashing', async () => {
    fs.writeFileSync(api.store.checkpointPath, Buffer.from('this is not a checkpoint at all, just some text'));
    const state = await api.store.load();
    assert.equal(state.kind, 'invalid');
    assert.equal(api.status.current.kind, 'error');
    await vscode.commands.executeCommand('charRnn.showModelInfo');
    // the document's content is refreshed asynchronously
    await waitFor(() => vscode.workspace.textDocuments.some((d) => d.uri.scheme === 'char-rnn' && /cannot be read/.test(d.getText())), 5_000, 'Model Info to explain the problem');
    await api.training.resetModel(false);
    assert.equal(api.store.state.kind, 'none');
    assert.ok(!fs.existsSync(api.store.checkpointPath));
  });
  it('trains in its own process while the extension host keeps running (the event-loop delay is logged)', async () => {
    await setting('training.timeBudgetMinutes', 5);
    await setting('model.hiddenSize', 256);
    await api.store.reset();
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    const progress = nextMessage(api, 'progress', 60_000);
    void api.training.trainWorkspace();
    await progress;
    const trainer = api.controller.pid;
    assert.ok(trainer !== undefined && trainer !== process.pid, `the trainer runs in its own process (${trainer}), not in the extension host (${process.pid})`);
    // while it trains, the host's own timers keep firing and its progress messages keep arriving
    let ticks = 0;
    let updates = 0;
    const tick = setInterval(() => ticks++, 100);
    const sub = api.controller.onMessage((m) => {
      if (m.type === 'progress') updates++;
    });
    // the run may end by itself while watched (a tiny corpus: converged, or its validation rising)
    const done = nextMessage(api, 'done', 90_000);
    histogram.enable();
    await new Promise((r) => setTimeout(r, 8_000));
    histogram.disable();
    clearInterval(tick);
    sub.dispose();
    if (api.controller.isRunning) await api.controller.stop();
    const result = await done;
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.log(`        event-loop delay while training: p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms; ${ticks} ticks of 100 ms and ${updates} progress messages in 8 s; training ${Math.round(result.charsPerSec)} chars/s (H=256, 1 thread); ended: ${result.reason}${result.message ? ` (${result.message})` : ''}`);
    assert.ok(updates >= 2, `${updates} progress messages arrived while the host was watched`);
    assert.ok(ticks >= 8, `the host's 100 ms timer fired ${ticks} times in 8 s`);
    // the target (p99 under 20 ms) is the README's figure, measured on an idle machine; only 10 times it fails here
    assert.ok(histogram.percentile(99) < 200e6, `p99 ${ms(histogram.percentile(99))} ms`);
    // the model stays: the reload phase checks that it loads again
  });

});

// the last test of the first phase: it leaves a run going, and the window reloads under it (issue 13, kind 5)
describe('a training run going when the window reloads', function () {
  this.timeout(120_000);
  it('is left running at the end of the first phase', async () => {
    const api = await getApi();
    assert.equal(api.store.state.kind, 'loaded', 'the model the training suite left');
    const config = vscode.workspace.getConfiguration('charRnn');
    const budget = config.inspect('training.timeBudgetMinutes')?.workspaceValue; // what the reload phase reads
    await config.update('training.timeBudgetMinutes', 5, vscode.ConfigurationTarget.Workspace);
    const progress = nextMessage(api, 'progress', 60_000);
    void api.training.resumeTraining();
    await progress;
    assert.equal(api.controller.isRunning, true);
    // tells the reload phase that a run was left going (a first phase that ran other tests leaves none)
    fs.writeFileSync(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, LEFT_RUNNING), 'resume');
    await config.update('training.timeBudgetMinutes', budget, vscode.ConfigurationTarget.Workspace);
  });
});

describe('the model after a window reload', function () {
  this.timeout(120_000);
  it('says that the run the reload stopped was interrupted, and offers to resume it (and says nothing when none was)', async () => {
    const api = await getApi();
    const left = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, LEFT_RUNNING);
    if (!fs.existsSync(left)) {
      await waitFor(() => api.training.firstRun !== undefined || api.training.interrupted !== undefined, 30_000, 'the activation checks');
      assert.equal(api.training.interrupted, undefined, 'no run was left going: none is reported');
      return;
    }
    await waitFor(() => api.training.interrupted !== undefined, 30_000, 'the interrupted run to be noticed');
    assert.equal(api.training.interrupted?.kind, 'resume');
    assert.equal(api.controller.isRunning, false, 'nothing trains without the user asking');
    await waitFor(() => api.store.state.kind === 'loaded', 60_000, 'the model to load');
  });

  it('is loaded again on activation, and the status bar says it is ready', async () => {
    const api = await getApi();
    await waitFor(() => api.store.state.kind !== 'none' || api.status.current.kind !== 'none', 60_000, 'the stored model to load');
    assert.equal(api.store.state.kind, 'loaded', `model state: ${api.store.state.kind}`);
    assert.equal(api.status.current.kind, 'ready');
    assert.match(api.status.text, /Char RNN/);
  });

  it('trains its first model with the workspace settings that were on disk when the window opened', async function () {
    this.timeout(120_000);
    const api = await getApi();
    // what the first phase wrote outside the editor (the fixture's own values when it did not run)
    const onDisk = JSON.parse(fs.readFileSync(settingsFile(), 'utf8')) as Record<string, number>;
    await api.store.reset();
    const started = nextMessage(api, 'start', 60_000);
    const done = vscode.commands.executeCommand('charRnn.trainWorkspace');
    await started;
    const job = api.controller.currentJob;
    assert.ok(job, 'a job runs');
    const expected = {
      hiddenSize: onDisk['charRnn.model.hiddenSize'],
      seqLength: onDisk['charRnn.training.seqLength'] ?? 64,
      batchSize: onDisk['charRnn.training.batchSize'] ?? 32,
      seconds: onDisk['charRnn.training.timeBudgetMinutes'] * 60,
    };
    assert.deepEqual({ hiddenSize: job.settings.hiddenSize, seqLength: job.settings.seqLength, batchSize: job.settings.batchSize, seconds: job.seconds }, expected);
    await done;
    const state = api.store.state;
    assert.equal(state.kind, 'loaded');
    assert.equal(state.kind === 'loaded' && state.checkpoint.model.config.hiddenSize, expected.hiddenSize);
  });
});

/**
 * The training panel in a real editor. This test orchestrates; test/e2e/ui/panel.mjs (run by the
 * runner alongside it with --ui) looks into the webview. They meet through files in the workspace's
 * .e2e folder: the panel is opened by its command and a short training starts; the UI script checks the
 * chart while it trains, then the heatmap of the open file once it is done.
 * It runs only when the runner says a UI script is there (CHAR_RNN_E2E_UI) and MOCHA_GREP selects it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { getApi, nextMessage, restoreWorkspaceSettings, saveWorkspaceSettings, SavedSettings, waitFor, waitForFile } from './util';


if (process.env.CHAR_RNN_E2E_UI) describe('training panel', function () {
  this.timeout(180_000);
  let saved: SavedSettings;
  before(() => { saved = saveWorkspaceSettings(); });
  after(() => restoreWorkspaceSettings(saved));

  it('opens from its command, shows the chart during a short training and the heatmap of the open file', async () => {
    const api = (await getApi());
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const dir = path.join(root, '.e2e');
    fs.mkdirSync(dir, { recursive: true });
    await vscode.workspace.getConfiguration('charRnn').update('training.timeBudgetMinutes', 0.2, vscode.ConfigurationTarget.Workspace);
    await api.store.reset();
    const doc = await vscode.workspace.openTextDocument(path.join(root, 'src', 'app.js'));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('charRnn.openPanel');
    const started = nextMessage(api, 'progress', 60_000);
    const training = api.training.trainWorkspace();
    await started;
    fs.writeFileSync(path.join(dir, 'panel-training.json'), '{}');
    await training;
    assert.equal(api.store.state.kind, 'loaded');
    fs.writeFileSync(path.join(dir, 'panel-trained.json'), '{}');
    const result = JSON.parse(await waitForFile(path.join(dir, 'panel-result.json'), 120_000)) as { error?: string; chartPixels: number; heatmapText: string };
    assert.equal(result.error, undefined, result.error);
    assert.ok(result.chartPixels > 50, `the loss chart drew ${result.chartPixels} pixels of its series`);
    assert.match(result.heatmapText, /neurons|characters/);
  });
});

if (process.env.CHAR_RNN_E2E_UI) describe('the training panel after a window reload', function () {
  this.timeout(60_000);
  it('is restored by its serializer', async () => {
    const api = (await getApi());
    await waitFor(() => api.panel() !== undefined, 30_000, 'the panel to be restored');
    assert.equal(api.panel()!.panel.viewType, 'charRnn.trainingPanel');
  });
});

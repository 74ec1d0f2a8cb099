/**
 * Smoke test in a real editor: the extension is there, activates, and registers its commands.
 * The code-server runner sets CHAR_RNN_E2E_EXTENSION_ROOT to the folder the extension must be loaded
 * from (the repo in development mode, the extensions dir in installed-vsix mode), so the test also
 * proves which copy of the extension is under test.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'char-rnn-complete.char-rnn-complete';

describe('smoke', () => {
  it('the extension is present and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await ext.activate();
    assert.equal(ext.isActive, true);

    const root = process.env.CHAR_RNN_E2E_EXTENSION_ROOT;
    if (root) {
      const rel = path.relative(path.resolve(root), path.resolve(ext.extensionPath));
      assert.ok(!rel.startsWith('..') && !path.isAbsolute(rel), `loaded from ${ext.extensionPath}, expected under ${root}`);
    }
  });

  it('registers charRnn.showModelInfo, which runs', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('charRnn.showModelInfo'), 'charRnn.showModelInfo is not registered');
    await vscode.commands.executeCommand('charRnn.showModelInfo');
  });
});

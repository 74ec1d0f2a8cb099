/** Helpers shared by the extension-host tests (not a test file: index.ts runs only *.test.js). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { CharRnnApi } from '../../../src/extension/extension';
import type { TrainerMessage } from '../../../src/extension/training/trainer-process-protocol';

const EXTENSION_ID = 'char-rnn-complete.char-rnn-complete';

export async function getApi(): Promise<CharRnnApi> {
  const ext = vscode.extensions.getExtension<CharRnnApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  return ext.activate();
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function nextMessage<T extends TrainerMessage['type']>(api: CharRnnApi, type: T, timeoutMs: number): Promise<TrainerMessage & { type: T }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no '${type}' message within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = api.controller.onMessage((m) => {
      if (m.type === type) {
        clearTimeout(timer);
        sub.dispose();
        resolve(m as TrainerMessage & { type: T });
      }
    });
  });
}

/** Waits for a file another process writes (the UI script), and reads it. */
export async function waitForFile(file: string, timeoutMs: number): Promise<string> {
  await waitFor(() => fs.existsSync(file), timeoutMs, file);
  await new Promise((r) => setTimeout(r, 100)); // let its writer finish
  return fs.readFileSync(file, 'utf8');
}

/** Every `charRnn.*` key the extension contributes. */
function settingKeys(): string[] {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  const sections = (ext?.packageJSON as { contributes?: { configuration?: { properties?: Record<string, unknown> }[] } } | undefined)?.contributes?.configuration ?? [];
  const properties = Object.assign({}, ...sections.map((s) => s.properties ?? {})) as Record<string, unknown>;
  return Object.keys(properties).map((k) => k.replace(/^charRnn\./, ''));
}

export type SavedSettings = Map<string, unknown>;

/** The workspace's own `charRnn.*` values now (undefined where it sets none), to put back after a suite. */
export function saveWorkspaceSettings(): SavedSettings {
  const config = vscode.workspace.getConfiguration('charRnn');
  return new Map(settingKeys().map((key) => [key, config.inspect(key)?.workspaceValue]));
}

/**
 * Puts the workspace's `charRnn.*` values back as they were saved: a suite that changes settings leaves
 * none of its changes to the next one, whether its tests passed or failed (a failed speed test once left
 * `model.hiddenSize` 256 behind, and the training suite after it trained a 256-unit model).
 */
export async function restoreWorkspaceSettings(saved: SavedSettings): Promise<void> {
  const config = vscode.workspace.getConfiguration('charRnn');
  for (const [key, value] of saved) {
    if (JSON.stringify(config.inspect(key)?.workspaceValue) !== JSON.stringify(value)) {
      await config.update(key, value, vscode.ConfigurationTarget.Workspace);
    }
  }
}

/**
 * Types `text` a character at a time at the end of a new untitled JavaScript document, asking the
 * provider for a suggestion after each (what adaptation learns from); returns the document.
 */
export async function typeWithSuggestions(api: CharRnnApi, text: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ language: 'javascript', content: '' });
  const editor = await vscode.window.showTextDocument(doc);
  const end = () => doc.lineAt(doc.lineCount - 1).range.end;
  for (const ch of text) {
    await editor.edit((e) => e.insert(end(), ch), { undoStopBefore: false, undoStopAfter: false });
    api.completions.suggest(doc, end(), 'automatic');
  }
  return doc;
}

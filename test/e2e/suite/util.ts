/** Helpers shared by the extension-host tests (not a test file: index.ts runs only *.test.js). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { CharRnnApi } from '../../../src/extension/extension';
import type { TrainerMessage } from '../../../src/extension/training/protocol';

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

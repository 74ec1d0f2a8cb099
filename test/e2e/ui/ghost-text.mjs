// The browser half of the ghost-text test (see test/e2e/suite/completions.test.ts): waits for the
// expected proposal, types the prefix, compares the ghost text, screenshots it, presses Tab, and checks
// that a disabled language shows no ghost text. Writes what it saw to .e2e/ui-result.json.
//   node test/e2e/runner.mjs --mode dev --ui test/e2e/ui/ghost-text.mjs   (MOCHA_GREP=ghost)
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { editorText, ghostText, openFile, typeAtEnd, waitForFile } from './helpers.mjs';

/** @param {{ page: import('playwright-core').Page, workspace: string, screenshot: (name: string) => Promise<void>, log: (line: string) => void }} ui */
export default async function ({ page, workspace, screenshot, log }) {
  const dir = path.join(workspace, '.e2e');
  const plan = JSON.parse(await waitForFile(path.join(dir, 'expected.json'), 150_000));
  const result = { ghost: '', error: undefined };
  try {
    await openFile(page, plan.file);
    await typeAtEnd(page, plan.prefix);
    result.ghost = await ghostText(page, 20_000);
    log(`ghost text after "${plan.prefix}": "${result.ghost}" (expected "${plan.expected}")`);
    await screenshot('ghost-text');
    assert.equal(result.ghost, plan.expected);
    await page.keyboard.press('Tab');
    await page.waitForTimeout(300);
    assert.ok((await editorText(page)).includes(plan.prefix + plan.expected), 'the line shows the accepted suggestion');
    await page.keyboard.press('Control+S');
    // a disabled language: no ghost text
    await openFile(page, plan.disabledFile);
    await typeAtEnd(page, plan.prefix);
    await page.waitForTimeout(2500);
    const ghosts = await page.locator('.monaco-editor .ghost-text-decoration').count();
    await screenshot('no-ghost-text-in-markdown');
    assert.equal(ghosts, 0, 'no ghost text in a disabled language');
  } catch (e) {
    result.error = String(e?.message ?? e);
    throw e;
  } finally {
    fs.writeFileSync(path.join(dir, 'ui-result.json'), JSON.stringify(result));
  }
}

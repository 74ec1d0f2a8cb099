// Small playwright helpers for UI scripts run by test/e2e/runner.mjs --ui (node side, on the workbench page).
import * as fs from 'node:fs';

/** @typedef {import('playwright-core').Page} Page */

/** Opens a file of the workspace by clicking it in the Explorer; resolves once its editor shows text. */
export async function openFile(/** @type {Page} */ page, /** @type {string} */ name) {
  await page.getByRole('treeitem', { name, exact: true }).first().click();
  await page.locator(`.tab.active[aria-label*="${name}"]`).waitFor({ timeout: 20_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 20_000 });
}

/** Puts the cursor at the end of the active editor and types `text` key by key. */
export async function typeAtEnd(/** @type {Page} */ page, /** @type {string} */ text) {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text, { delay: 20 });
}

/** The visible text of the active editor (monaco renders non-breaking spaces). */
export async function editorText(/** @type {Page} */ page) {
  const text = await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

/** Waits for inline-completion ghost text and returns it. */
export async function ghostText(/** @type {Page} */ page, timeoutMs = 20_000) {
  const ghosts = page.locator('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview');
  await ghosts.first().waitFor({ timeout: timeoutMs });
  await page.waitForTimeout(100); // the rest of the line's ghost text renders in further spans
  // one suggestion on one line is rendered as several spans (one per syntax token)
  return (await ghosts.allInnerTexts()).join('').replace(/\u00a0/g, ' ');
}

/** Waits for a file the extension-host test writes into the workspace, and returns its text. */
export async function waitForFile(/** @type {string} */ file, timeoutMs = 150_000) {
  const t0 = Date.now();
  while (!fs.existsSync(file)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 100)); // let its writer finish
  return fs.readFileSync(file, 'utf8');
}

// Example UI script (the pattern for ghost-text tests): open a fixture file, type into it, check what the
// editor shows, take a screenshot. Run it with no extension-host suite, so the extension host stays up:
//   node test/e2e/runner.mjs --mode dev --tests none --ui test/e2e/ui/type-in-editor.mjs
import * as assert from 'node:assert/strict';
import { editorText, openFile, typeAtEnd } from './helpers.mjs';

/** @param {{ page: import('playwright-core').Page, screenshot: (name: string) => Promise<void>, log: (line: string) => void }} ui */
export default async function ({ page, screenshot, log }) {
  await openFile(page, 'greet.js');
  assert.match(await editorText(page), /function greet\(name\)/);
  await typeAtEnd(page, '\n// typed by the e2e ui script');
  assert.match(await editorText(page), /typed by the e2e ui script/);
  await screenshot('type-in-editor');
  log('typed into greet.js');
}

/**
 * The extension-host test entry (`extensionTestsPath`): VS Code loads this module inside the running
 * extension host and awaits `run()`. Same shape as the @vscode/test-electron samples, so one suite serves
 * both runners: test/e2e/runner.mjs (code-server + headless Chromium) and test/e2e/run-desktop.mjs.
 * Runs every out/test/e2e/suite/**\/*.test.js with mocha (BDD), prints one line per test and the closing
 * line `N passed, N failed`, and rejects when a test failed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

/** Every `*.test.js` below `dir`, sorted so the order is the same on every machine. */
function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

/** Tests that run only in the second phase of `runner.mjs --reload`, after the window was loaded again. */
const AFTER_RELOAD = /after a window reload/;

/** Set MOCHA_GREP (a regular expression) to run only the matching tests (in both phases). */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000 });
  const grep = process.env.MOCHA_GREP;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const reloaded = folder !== undefined && fs.existsSync(path.join(folder, '.e2e-phase'));
  if (reloaded) mocha.grep(grep ? new RegExp(`^(?=.*${AFTER_RELOAD.source})(?=.*(?:${grep}))`) : AFTER_RELOAD);
  else if (grep) mocha.grep(new RegExp(`^(?!.*${AFTER_RELOAD.source})(?=.*(?:${grep}))`));
  else mocha.grep(AFTER_RELOAD).invert();
  for (const file of findTests(__dirname)) mocha.addFile(file);

  return new Promise<void>((resolve, reject) => {
    // Lines go through console.log: the extension host forwards it to whoever runs the suite.
    const runner = mocha.reporter(Mocha.reporters.Base).run((failures) => {
      const { passes = 0, pending = 0 } = runner.stats ?? {};
      console.log(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
      if (failures > 0) reject(new Error(`${failures} e2e test(s) failed`));
      else resolve();
    });
    runner.on('pass', (test) => console.log(`  ok    ${test.fullTitle()} (${test.duration ?? 0} ms)`));
    runner.on('pending', (test) => console.log(`  skip  ${test.fullTitle()}`));
    runner.on('fail', (test, err: Error) => {
      console.log(`  FAIL  ${test.fullTitle()}`);
      console.log(`        ${(err.stack ?? String(err)).split('\n').join('\n        ')}`);
    });
  });
}

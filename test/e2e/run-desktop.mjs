#!/usr/bin/env node
// The same extension-host suite in desktop VS Code, through @vscode/test-electron, for a developer's
// machine: it downloads VS Code from Microsoft's update server, which CI and the project's machines cannot
// reach (they use test/e2e/runner.mjs with code-server instead).
//   npm run build && npm run compile-tests && node test/e2e/run-desktop.mjs [fixture folder]
// The fixture (default test/e2e/fixtures/training) is copied to a temp folder first, as runner.mjs does.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './lib/paths.mjs';

const fixture = path.resolve(process.argv[2] ?? path.join(repoRoot, 'test/e2e/fixtures/training'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-e2e-desktop-'));
const workspace = path.join(tmp, path.basename(fixture));
fs.cpSync(fixture, workspace, { recursive: true });

let code = 1;
try {
  code = await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(repoRoot, 'out/test/e2e/suite/index.js'),
    extensionTestsEnv: { CHAR_RNN_E2E_MODE: 'desktop', CHAR_RNN_E2E_EXTENSION_ROOT: repoRoot },
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
} catch (e) {
  console.error(`desktop e2e run failed: ${e instanceof Error ? e.message : e}`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);

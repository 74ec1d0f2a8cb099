#!/usr/bin/env node
// Runs the extension-host test suite in a real VS Code: code-server (from .cache/e2e, see
// scripts/e2e-setup.mjs) served to headless Debian Chromium driven by playwright-core.
//
//   node test/e2e/runner.mjs [--mode dev|vsix|both] [--workspace DIR] [--tests MODULE|none]
//                            [--ui SCRIPT] [--screenshot NAME] [--timeout SECONDS] [--keep] [--verbose]
//
// --mode dev   the extension is loaded from the repo (extensionDevelopmentPath = repo root; needs dist/).
// --mode vsix  `vsce package --no-dependencies` makes a .vsix, `code-server --install-extension` installs it
//              into a fresh extensions dir, and the tests run against that installed copy. VS Code only
//              runs extensionTestsPath next to an extensionDevelopmentPath, so this mode points the latter
//              at an empty stub extension with another id: it shadows nothing.
// --mode both  dev, then vsix (the default). Prints the total `e2e: N passed, N failed` at the end.
// --tests      compiled suite entry (default out/test/e2e/suite/index.js, made by `npm run compile-tests`);
//              `none` runs no extension-host suite (then --ui decides the result).
// --workspace  fixture folder (default test/e2e/fixtures/training), copied to a temp folder of the same
//              name and opened there, so tests may write into it and every run starts from the fixture.
// --ui         a node module whose default export `async ({ page, mode, workspace, baseUrl, screenshot,
//              log }) => void` drives the workbench with playwright once it has loaded (typing, ghost
//              text, screenshots). Throwing fails the run. It runs alongside the suite, and VS Code stops
//              the extension host once the suite's run() settles: a UI script that needs the extension
//              running (ghost text) goes with `--tests none`, e.g. test/e2e/ui/type-in-editor.mjs.
// --screenshot save test/e2e/artifacts/NAME-MODE.png at the end (a failure always saves failure-MODE.png).
// --timeout    per mode, default 900 s: a guard against a hung run, not a speed check (the suite takes
//              about 3 minutes a mode on an idle 2-core machine and twice that with the other core busy). --keep leaves the temp folders; --verbose shows server/browser logs.
// --reload     after the suite, load the window again (a new extension host on the same user data and
//              workspace) and run the suite's "after a window reload" tests: the file .e2e-phase in the
//              workspace tells the suite which phase it is in (see suite/index.ts).
// Environment: the server (and so the extension host) gets CHAR_RNN_E2E_MODE and
// CHAR_RNN_E2E_EXTENSION_ROOT (where the extension under test must be loaded from); MOCHA_GREP is passed on.
// Exit code: 0 when every mode passed. Once .cache/e2e is set up, a mode costs ~6 s (vsix: +5 s to pack
// and install) plus the suite's own time.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import {
  repoRoot, nodeBin, codeServerEntry, codeServerMarker, chromiumBin, artifactsDir,
} from './lib/paths.mjs';

const { values: opts } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    workspace: { type: 'string', default: path.join(repoRoot, 'test/e2e/fixtures/training') },
    tests: { type: 'string', default: path.join(repoRoot, 'out/test/e2e/suite/index.js') },
    ui: { type: 'string' },
    screenshot: { type: 'string' },
    timeout: { type: 'string', default: '900' },
    keep: { type: 'boolean', default: false },
    reload: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const SUMMARY = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/;
/** The workbench's own routine log lines, which share the channel with the suite's output (see --verbose). */
const WORKBENCH_NOISE = /^(Resolv(ing|ed) connection token|Creating a socket|\[reconnection-grace-time\]|(Ignoring fetching|Updating) additional builtin|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\])/;
const USER_SETTINGS = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
};

function say(line) {
  process.stdout.write(`[e2e] ${line}\n`);
}

function fail(message) {
  say(`error: ${message}`);
  process.exit(1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForHealth(url, server, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`code-server exited early (code ${server.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  throw new Error(`code-server not healthy after ${ms / 1000} s`);
}

/** Ends the whole process group (server, extension host, file watcher...): SIGTERM, then SIGKILL. */
async function killGroup(child) {
  if (child.pid === undefined) return;
  const alive = () => { try { process.kill(-child.pid, 0); return true; } catch { return false; } };
  try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 50 && alive(); i++) await sleep(100);
  if (alive()) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
}

/** code-server with Node 24 first on PATH, so its own child processes use it too. */
function serverEnv(tmp, extra) {
  return {
    ...process.env,
    PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
    // No extension gallery: nothing to fetch from outside (code-server's default is open-vsx).
    EXTENSIONS_GALLERY: '{}',
    ...extra,
  };
}

function runOrThrow(what, cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}${r.error ?? ''}`);
  if (opts.verbose) process.stdout.write(r.stdout);
}

/**
 * Packs the extension as `npm run package` does (production bundles: minified, maps left out) and
 * installs it into `extDir`; throws on failure. The development bundles are built again afterwards, so
 * that what runs next from the repository has its source maps.
 */
function installVsix(tmp, extDir, userDataDir) {
  const vsce = path.join(repoRoot, 'node_modules', '.bin', 'vsce');
  if (!fs.existsSync(vsce)) throw new Error('@vscode/vsce is missing: run `npm ci`');
  const vsix = path.join(tmp, 'ext.vsix');
  const t0 = Date.now();
  runOrThrow('production build', process.execPath, [path.join(repoRoot, 'esbuild.mjs'), '--production'], process.env);
  try {
    runOrThrow('vsce package', vsce, ['package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix], { ...process.env, CI: 'true' });
  } finally {
    runOrThrow('development build', process.execPath, [path.join(repoRoot, 'esbuild.mjs')], process.env);
  }
  runOrThrow('code-server --install-extension', nodeBin, [codeServerEntry, '--extensions-dir', extDir,
    '--user-data-dir', userDataDir, '--install-extension', vsix], serverEnv(tmp, {}));
  say(`packaged and installed the .vsix in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Runs the suite (and/or the UI script) once in `mode`. Returns { code, passed, failed }. */
async function runMode(mode) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `char-rnn-e2e-${mode}-`));
  const userDataDir = path.join(tmp, 'user-data');
  const extDir = path.join(tmp, 'extensions');
  for (const d of [userDataDir, extDir, 'xdg-config', 'xdg-data', 'xdg-cache', 'browser']) {
    fs.mkdirSync(path.resolve(tmp, d), { recursive: true });
  }
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  const workspace = path.join(tmp, path.basename(opts.workspace));
  fs.cpSync(opts.workspace, workspace, { recursive: true });

  let devPath = repoRoot;
  let extensionRoot = repoRoot;
  if (mode === 'vsix') {
    try {
      installVsix(tmp, extDir, userDataDir);
    } catch (e) {
      say(`${mode}: ${e instanceof Error ? e.message : e}`);
      fs.rmSync(tmp, { recursive: true, force: true });
      return { code: 1, passed: 0, failed: 1 };
    }
    devPath = path.join(tmp, 'stub-extension');
    fs.mkdirSync(devPath);
    fs.writeFileSync(path.join(devPath, 'package.json'), JSON.stringify({
      name: 'e2e-test-host', publisher: 'char-rnn-complete-tests', version: '0.0.0', engines: { vscode: '*' },
    }));
    extensionRoot = extDir;
  }

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const serverLog = path.join(tmp, 'server.log');
  const logFd = fs.openSync(serverLog, 'a');
  // detached: a new session and process group (setsid), so killGroup() reaches every child.
  const server = spawn(nodeBin, [codeServerEntry,
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--vscode-option', 'enable-smoke-test-driver',
    '--extensions-dir', extDir, '--user-data-dir', userDataDir,
    workspace,
  ], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: serverEnv(tmp, { CHAR_RNN_E2E_MODE: mode, CHAR_RNN_E2E_EXTENSION_ROOT: extensionRoot, CHAR_RNN_E2E_UI: opts.ui ? '1' : '' }),
  });
  fs.closeSync(logFd);
  running = { server, tmp };

  /** @type {import('playwright-core').BrowserContext | undefined} */
  let context;
  let passed = 0;
  let failed = 0;
  let reported = false;
  let code = 1;
  let timer;
  try {
    await waitForHealth(`${baseUrl}/healthz`, server, 30_000);

    context = await chromium.launchPersistentContext(path.join(tmp, 'browser'), {
      executablePath: chromiumBin,
      headless: true,
      viewport: { width: 1280, height: 800 },
      env: { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), XDG_CACHE_HOME: path.join(tmp, 'xdg-cache') },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? await context.newPage();
    if (opts.verbose) {
      page.on('console', (m) => process.stdout.write(`[browser ${m.type()}] ${m.text()}\n`));
      page.on('pageerror', (e) => process.stdout.write(`[browser pageerror] ${e.message}\n`));
    }

    // The smoke-test-driver hooks: suite output arrives in codeAutomationLog, its result in codeAutomationExit.
    let onExit;
    let suiteExit = new Promise((resolve) => { onExit = resolve; });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      for (const line of text.split('\n')) {
        const m = SUMMARY.exec(line.trim());
        if (m) { passed += Number(m[1]); failed += Number(m[2]); reported = true; }
        if (opts.verbose || !WORKBENCH_NOISE.test(line)) process.stdout.write(`${line}\n`);
      }
    });
    await page.exposeFunction('codeAutomationExit', (exitCode) => onExit(Number(exitCode)));

    const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${devPath}`]];
    const runSuite = opts.tests !== 'none';
    if (runSuite) {
      const tests = path.resolve(opts.tests);
      if (!fs.existsSync(tests)) throw new Error(`${tests} is missing: run \`npm run compile-tests\``);
      payload.push(['extensionTestsPath', `vscode-remote://127.0.0.1:${port}${tests}`]);
    }
    const url = `${baseUrl}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

    const timeoutMs = Number(opts.timeout) * 1000;
    const timedOut = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${opts.timeout} s`)), timeoutMs);
      page.once('crash', () => reject(new Error('the workbench page crashed')));
    });

    const t0 = Date.now();
    await page.goto(url);
    const work = [];
    if (runSuite) work.push(suiteExit);
    if (opts.ui) {
      const ui = (await import(pathToFileURL(path.resolve(opts.ui)).href)).default;
      const screenshot = (name) => saveScreenshot(page, `${name}-${mode}`);
      work.push(page.waitForSelector('.monaco-workbench', { timeout: 60_000 })
        .then(() => ui({ page, mode, workspace, baseUrl, screenshot, log: say }))
        .then(() => { say('ui script passed'); passed += 1; return 0; },
          (e) => { say(`ui script FAILED: ${e?.stack ?? e}`); failed += 1; return 1; }));
    }
    const codes = await Promise.race([Promise.all(work), timedOut]);
    if (opts.reload && runSuite) {
      // a window reload: a new extension host, the same storage and workspace
      fs.writeFileSync(path.join(workspace, '.e2e-phase'), 'reload');
      suiteExit = new Promise((resolve) => { onExit = resolve; });
      say(`${mode}: reloading the window`);
      await page.goto(url);
      codes.push(await Promise.race([suiteExit, timedOut]));
    }
    code = codes.some((c) => c !== 0) ? 1 : 0;
    say(`${mode}: finished in ${((Date.now() - t0) / 1000).toFixed(1)} s with exit code ${code}`);
    if (opts.screenshot) await saveScreenshot(page, `${opts.screenshot}-${mode}`);
  } catch (e) {
    say(`${mode}: ${e instanceof Error ? e.message : e}`);
    code = 1;
  } finally {
    clearTimeout(timer);
    if (code !== 0) {
      const page = context?.pages()[0];
      if (page) await saveScreenshot(page, `failure-${mode}`).catch(() => {});
    }
    if (code !== 0 && !reported) {
      const log = fs.existsSync(serverLog) ? fs.readFileSync(serverLog, 'utf8').trim().split('\n').slice(-30) : [];
      say(`last lines of the code-server log:\n${log.join('\n')}`);
    } else if (opts.verbose) {
      process.stdout.write(fs.readFileSync(serverLog, 'utf8'));
    }
    await context?.close().catch(() => {});
    await killGroup(server);
    running = undefined;
    if (opts.keep) say(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  // No summary line (a crash before the suite reported) counts as one failure.
  if (code !== 0 && failed === 0) failed = 1;
  return { code, passed, failed };
}

/** The server and temp folder of the mode in progress, cleaned up on Ctrl-C or SIGTERM too. */
let running;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (running?.server.pid) try { process.kill(-running.server.pid, 'SIGKILL'); } catch { /* gone */ }
    if (running && !opts.keep) fs.rmSync(running.tmp, { recursive: true, force: true });
    process.exit(130);
  });
}

async function saveScreenshot(page, name) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file });
  say(`screenshot: ${path.relative(repoRoot, file)}`);
}

// --- main ---
const modes = opts.mode === 'both' ? ['dev', 'vsix'] : [opts.mode];
if (!modes.every((m) => m === 'dev' || m === 'vsix')) fail(`--mode must be dev, vsix or both, not ${opts.mode}`);
if (!fs.existsSync(codeServerMarker) || !fs.existsSync(nodeBin)) fail('code-server is not set up: run `node scripts/e2e-setup.mjs`');
if (!fs.existsSync(chromiumBin)) fail(`${chromiumBin} is missing: run \`node scripts/e2e-setup.mjs\``);
if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) fail('dist/extension.js is missing: run `npm run build`');
opts.workspace = path.resolve(opts.workspace);
if (!fs.statSync(opts.workspace, { throwIfNoEntry: false })?.isDirectory()) fail(`no workspace folder ${opts.workspace}`);
if (opts.tests === 'none' && !opts.ui) fail('--tests none needs --ui');

let total = { passed: 0, failed: 0, code: 0 };
for (const mode of modes) {
  say(`--- ${mode} mode ---`);
  const r = await runMode(mode);
  total = { passed: total.passed + r.passed, failed: total.failed + r.failed, code: total.code || r.code };
}
process.stdout.write(`\ne2e: ${total.passed} passed, ${total.failed} failed\n`);
process.exit(total.code);

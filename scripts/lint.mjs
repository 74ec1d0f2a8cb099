// `npm run lint` (and a step of `npm test`): the checks on the code itself, each a pass or a failure:
//   - dependency-cruiser (.dependency-cruiser.cjs): the layers' direction and no cycle;
//   - ESLint with typescript-eslint's recommended rules (tools/lint/eslint.config.mjs);
//   - knip (knip.jsonc): no unused file, export or dependency.
// The tools live in tools/lint, a package of their own (they need TypeScript 5's JavaScript API; the
// project compiles with TypeScript 7), installed from its lock file on first use or when it changed.
// Prints `lint: N passed, N failed` last; exits non-zero when a check failed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tools = path.join(root, 'tools/lint');
const bin = (name) => path.join(tools, 'node_modules/.bin', name);

/** The lock file's hash, written beside the tools once they are installed from it. */
const lockHash = () => createHash('sha256').update(fs.readFileSync(path.join(tools, 'package-lock.json'))).digest('hex');
const stampPath = path.join(tools, 'node_modules', '.installed-from-lock');

function installed() {
  return fs.existsSync(stampPath) && fs.readFileSync(stampPath, 'utf8') === lockHash();
}

if (!installed()) {
  process.stdout.write('lint: installing the lint tools (tools/lint) from their lock file\n');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: tools, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stdout.write('lint: 0 passed, 1 failed (could not install tools/lint)\n');
    process.exit(1);
  }
  fs.writeFileSync(stampPath, lockHash());
}

const checks = [
  ['dependency-cruiser: layers and cycles', bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs']],
  ['ESLint (typescript-eslint recommended)', bin('eslint'), ['--config', 'tools/lint/eslint.config.mjs', '--max-warnings', '0', '.']],
  ['knip: unused files, exports and dependencies', bin('knip'), []],
];
let passed = 0;
let failed = 0;
for (const [name, command, args] of checks) {
  const started = Date.now();
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  const ok = r.status === 0;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${name} (${seconds} s)\n`);
  if (!ok) process.stdout.write(`${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/^/gm, '       ') + '\n');
  if (ok) passed++;
  else failed++;
}
process.stdout.write(`lint: ${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);

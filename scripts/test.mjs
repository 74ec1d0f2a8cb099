// `npm test`: every test in one command. Builds, sets up the editor and Chromium on first use (under
// .cache/e2e and Debian's packages), runs the lint checks (scripts/lint.mjs), the unit tests (mocha), then the tests in a real editor (code-server + headless Chromium), and prints the total
// as the closing line `N passed, N failed`. Exits non-zero when anything failed.
import { spawn } from 'node:child_process';

const SUMMARY = /^(?:\w+: )?(\d+) passed, (\d+) failed/;

/** Runs a command with its output shown, and returns its exit code and the last summary line it printed. */
function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let last;
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        const m = SUMMARY.exec(line.trim());
        if (m) last = { passed: Number(m[1]), failed: Number(m[2]) };
      }
    });
    child.on('exit', (code) => resolve({ code: code ?? 1, summary: last }));
  });
}

const steps = [
  ['build', 'npm', ['run', 'build']],
  ['compile tests', 'npm', ['run', 'compile-tests']],
  ['lint', 'node', ['scripts/lint.mjs']],
  ['editor setup', 'node', ['scripts/e2e-setup.mjs']], // also Debian's Chromium, which the panel's unit tests drive
  ['unit tests', 'npx', ['mocha']],
  ['editor tests', 'node', ['test/e2e/runner.mjs', '--mode', 'both', '--reload']],
  ['ghost text in the editor', 'node', ['test/e2e/runner.mjs', '--mode', 'dev', '--ui', 'test/e2e/ui/ghost-text.mjs'], { MOCHA_GREP: 'ghost text' }],
  ['team model in the editor', 'node', ['test/e2e/runner.mjs', '--mode', 'dev', '--reload', '--workspace', 'test/e2e/fixtures/team-model'], { MOCHA_GREP: 'team model' }],
  ['training panel in the editor', 'node', ['test/e2e/runner.mjs', '--mode', 'dev', '--reload', '--ui', 'test/e2e/ui/panel.mjs'], { MOCHA_GREP: 'training panel' }],
];
let passed = 0;
let failed = 0;
for (const [name, command, args, env] of steps) {
  const { code, summary } = await run(command, args, env);
  if (summary) {
    passed += summary.passed;
    failed += summary.failed;
  }
  if (code !== 0) {
    process.stdout.write(`\n${name} failed (exit code ${code})\n`);
    if (!summary || summary.failed === 0) failed += 1;
    if (!summary) break; // a build or set-up step: nothing after it can run
  }
}
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);

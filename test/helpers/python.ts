/**
 * The Python with PyTorch that the PyTorch trainer's tests run (pytorch/char_rnn_torch): $CHAR_RNN_PYTHON,
 * else the first of python3 and /usr/bin/python3 (Debian's, where `apt-get install python3-torch` puts
 * it) that imports torch and numpy. None is a failure with the way to fix it, never a skip.
 */
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './repo';

let found: string | undefined;

export function pythonWithTorch(): string {
  if (found) return found;
  const candidates = [process.env.CHAR_RNN_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  const tried: string[] = [];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch.nn, numpy; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return (found = py);
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  throw new Error(`PyTorch is not installed for any Python here (${tried.join('; ')}): run \`node scripts/e2e-setup.mjs\` as root (it installs Debian's python3-torch), or apt-get install python3-torch python3-numpy, or set CHAR_RNN_PYTHON`);
}

/** The command line and environment of `python -m char_rnn_torch.<module> ...args` (under torchrun with `torchrun` processes). */
function torchCommand(module: string, args: string[], torchrun?: number): { argv: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = path.join(repoRoot(), 'pytorch');
  const env = { ...process.env, PYTHONPATH: cwd, OMP_NUM_THREADS: '1' };
  // torchrun of PyTorch 1.13 under Python 3.11 cannot parse its own default --redirects/--tee ('0'): give values it can
  const argv = torchrun
    ? ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', String(torchrun), '--redirects', '2', '--tee', '2', '-m', `char_rnn_torch.${module}`, ...args]
    : ['-m', `char_rnn_torch.${module}`, ...args];
  return { argv, cwd, env };
}

/** Runs `python -m char_rnn_torch.<module> ...args` from pytorch/ (no install needed). */
export function runTorch(module: string, args: string[], opts: { torchrun?: number; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  const { argv, cwd, env } = torchCommand(module, args, opts.torchrun);
  const r = spawnSync(pythonWithTorch(), argv, { cwd, env, encoding: 'utf8', timeout: opts.timeoutMs ?? 300_000 });
  if (r.error) throw r.error;
  return r;
}

/** The same, as a child process left running (to signal it). */
export function spawnTorch(module: string, args: string[]): ChildProcess {
  const { argv, cwd, env } = torchCommand(module, args);
  return spawn(pythonWithTorch(), argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** runTorch, asserting success; returns stdout. */
export function okTorch(module: string, args: string[], opts: { torchrun?: number } = {}): string {
  const r = runTorch(module, args, opts);
  if (r.status !== 0) throw new Error(`char_rnn_torch.${module} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** Runs Python code with pytorch/ on the path; returns its stdout. */
export function runPython(code: string): string {
  const cwd = path.join(repoRoot(), 'pytorch');
  const r = spawnSync(pythonWithTorch(), ['-c', code], { cwd, encoding: 'utf8', env: { ...process.env, PYTHONPATH: cwd } });
  if (r.status !== 0) throw new Error(`python failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
}

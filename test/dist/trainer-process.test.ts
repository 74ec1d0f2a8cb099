/**
 * The training process the extension forks (dist/trainer-process.js), driven through its typed protocol
 * by a plain Node parent: it trains and saves, stops on request, and never outlives its parent.
 */
import assert from 'node:assert/strict';
import { ChildProcess, fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/core/checkpoint/checkpoint';
import type { TrainerMessage, TrainJobRequest } from '../../src/extension/training/trainer-process-protocol';
import { defaultKernels } from '../../src/core/kernels/default-kernels';
import { repoRoot } from '../helpers/repo';

const processPath = path.join(repoRoot(), 'dist', 'trainer-process.js');

function job(dir: string, out: string, seconds: number): TrainJobRequest {
  return {
    kind: 'new', roots: [dir], out, seconds, checkpointEverySec: 1,
    settings: { hiddenSize: 16, batchSize: 4, seqLength: 16, threads: 1 },
    corpus: { maxFileBytes: 1 << 20, maxCorpusBytes: 1 << 22, valFraction: 0, excludeGlobs: [], includeGlobs: [], readOutsideRoots: false },
  };
}

/** Running (a zombie waiting for a reaper that a container may not have counts as gone). */
function alive(pid: number): boolean {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+Z/m.test(status);
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the training process', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-process-'));
    fs.writeFileSync(path.join(dir, 'a.js'), 'function add(a, b) {\n  return a + b;\n}\n'.repeat(40));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains, checkpoints, stops on request with a final checkpoint, and exits', async () => {
    const out = path.join(dir, 'model.safetensors');
    const child: ChildProcess = fork(processPath, [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const messages: TrainerMessage[] = [];
    child.on('message', (m) => messages.push(m as TrainerMessage));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.send({ type: 'start', job: job(dir, out, 60) });
    await waitFor(() => messages.some((m) => m.type === 'checkpoint'), 15_000, 'a checkpoint');
    child.send({ type: 'stop' });
    assert.equal(await exited, 0);
    const done = messages.find((m) => m.type === 'done') as TrainerMessage & { type: 'done' };
    assert.equal(done.reason, 'stopped');
    const types = messages.map((m) => m.type);
    assert.deepEqual(types.slice(0, 2), ['corpus', 'start']);
    const saved = await loadCheckpoint(out, defaultKernels());
    assert.equal(saved.training!.step, done.step);
  });

  it('reports a workspace with no usable file as a user error and exits', async () => {
    fs.rmSync(path.join(dir, 'a.js'));
    fs.writeFileSync(path.join(dir, 'picture.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const child = fork(processPath, [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const messages: TrainerMessage[] = [];
    child.on('message', (m) => messages.push(m as TrainerMessage));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.send({ type: 'start', job: job(dir, path.join(dir, 'm.safetensors'), 60) });
    assert.equal(await exited, 0);
    const error = messages.find((m) => m.type === 'error') as TrainerMessage & { type: 'error' };
    assert.equal(error.kind, 'user');
    assert.match(error.message, /no usable text file/);
    assert.ok(!fs.existsSync(path.join(dir, 'm.safetensors')));
  });

  it('saves and exits when its parent dies: no orphan process', async () => {
    const out = path.join(dir, 'model.safetensors');
    // a parent that forks the trainer, reports its pid once training runs, then waits to be killed
    const parentScript = `
      const { fork } = require('node:child_process');
      const child = fork(${JSON.stringify(processPath)}, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      child.on('message', (m) => { if (m.type === 'start') process.stdout.write(String(child.pid) + '\\n'); });
      child.send({ type: 'start', job: ${JSON.stringify(job(dir, out, 120))} });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.on('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      parent.on('exit', () => reject(new Error('the parent exited early')));
    });
    assert.ok(alive(pid));
    await new Promise((r) => setTimeout(r, 300));
    parent.kill('SIGKILL'); // the editor crashes: the IPC channel closes
    await waitFor(() => !alive(pid), 10_000, 'the orphaned trainer to exit');
    const saved = await loadCheckpoint(out, defaultKernels());
    assert.ok(saved.training!.step > 0, 'it saved before leaving');
  });
});

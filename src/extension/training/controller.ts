/**
 * Runs training jobs in a separate process (a fork of dist/trainer-process.js), never on the extension
 * host's thread: starts one, relays its typed messages, stops it (it saves first), and tells how it
 * ended, a crash included. At most one job runs at a time.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as vscode from 'vscode';
import { HostMessage, TrainerMessage, TrainJobRequest } from './trainer-process-protocol';

export type JobOutcome =
  | { kind: 'done'; message: TrainerMessage & { type: 'done' } }
  | { kind: 'failed'; message: string; userError: boolean }
  | { kind: 'crashed'; message: string };

/** How long a stopping process may take to save and exit before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

export class TrainingController implements vscode.Disposable {
  private child: ChildProcess | undefined;
  private job: TrainJobRequest | undefined;
  private exited: Promise<JobOutcome> | undefined;
  private readonly messages = new vscode.EventEmitter<TrainerMessage>();
  /** every message of the running job */
  readonly onMessage = this.messages.event;
  private readonly running = new vscode.EventEmitter<boolean>();
  /** fires true when a job starts and false when its process has exited */
  readonly onDidChangeRunning = this.running.event;

  constructor(
    private readonly processPath: string,
    private readonly log: (line: string) => void,
  ) {}

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  get currentJob(): TrainJobRequest | undefined {
    return this.job;
  }

  /** The process id of the running job (tests kill it to check crash handling). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts a job; the promise settles when its process has exited, with how it ended. */
  start(job: TrainJobRequest): Promise<JobOutcome> {
    if (this.child) throw new Error('a training job is already running');
    const child = fork(this.processPath, [], { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
    this.child = child;
    this.job = job;
    let last: JobOutcome | undefined;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.stdout?.on('data', (d: Buffer) => this.log(d.toString().trimEnd()));
    child.on('message', (raw: unknown) => {
      const m = raw as TrainerMessage;
      if (m.type === 'done') last = { kind: 'done', message: m };
      else if (m.type === 'error') last = { kind: 'failed', message: m.message, userError: m.kind === 'user' };
      this.messages.fire(m);
    });
    this.exited = new Promise<JobOutcome>((resolve) => {
      const finish = (outcome: JobOutcome) => {
        this.child = undefined;
        this.job = undefined;
        this.running.fire(false);
        resolve(outcome);
      };
      child.on('error', (err) => {
        if (this.child === child) finish({ kind: 'crashed', message: `the training process could not run: ${err.message}` });
      });
      child.on('exit', (code, signal) => {
        if (this.child !== child) return;
        if (last) finish(last);
        else {
          const why = signal ? `it was killed (${signal})` : `it exited with code ${code}`;
          const detail = stderr.trim().split('\n').slice(-3).join(' | ');
          finish({ kind: 'crashed', message: `the training process stopped unexpectedly: ${why}${detail ? `: ${detail}` : ''}` });
        }
      });
    });
    this.running.fire(true);
    this.send({ type: 'start', job });
    return this.exited;
  }

  /**
   * Asks the running job to save and exit; kills it when it has not exited after `timeoutMs`. Resolves
   * when the process is gone.
   */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return;
    this.send({ type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.log(`the training process did not stop within ${timeoutMs} ms: killing it`);
      child.kill('SIGKILL');
      await exited;
    }
  }

  private send(message: HostMessage): void {
    try {
      this.child?.send(message);
    } catch (err) {
      this.log(`cannot reach the training process: ${(err as Error).message}`);
    }
  }

  /** Stops a running job within a bounded time (deactivate waits for this). */
  async shutdown(): Promise<void> {
    await this.stop(5_000);
  }

  dispose(): void {
    // synchronous disposal cannot wait: ask to stop, and make sure nothing outlives the editor
    const child = this.child;
    if (child) {
      this.send({ type: 'stop' });
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }
    this.messages.dispose();
    this.running.dispose();
  }
}

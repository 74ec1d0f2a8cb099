#!/usr/bin/env node
// The PyTorch trainer's figures (a benchmark, not a test): `npm run bench:torch -- [options]`
//
// Speed (default): exports the corpus of --dir (default: this repository's src and test folders), then
// trains for --seconds (default 45) at each --hidden (default 256,1024; L = 1, the other settings the
// defaults) with the TypeScript trainer (1 and 2 threads) and the PyTorch trainer (1 process of 1
// thread, 1 process of 2 threads, DDP with 2 processes of 1 thread), and prints the chars/s of each.
//
// Quality (--quality WS --minutes 20): on a workspace laid out by `npm run bench:quality`
// (.cache/bench-quality/WS/train and heldout), trains the PyTorch model with DDP on 2 CPU processes for
// --minutes, evaluates it with `char-rnn eval` exactly as bench:quality does, and prints it beside the
// editor's 5-minute model of that workspace (model-5min.eval.json, from bench:quality). --reuse: the
// model trained by an earlier run, evaluated again.
//
// Results go to .cache/bench-torch/. Python with PyTorch: $CHAR_RNN_PYTHON or /usr/bin/python3 (Debian's).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const outDir = path.join(repoRoot, '.cache', 'bench-torch');
const python = process.env.CHAR_RNN_PYTHON ?? '/usr/bin/python3';
const { values: opts } = parseArgs({
  options: {
    dir: { type: 'string', multiple: true }, seconds: { type: 'string' }, hidden: { type: 'string' },
    quality: { type: 'string' }, minutes: { type: 'string' }, reuse: { type: 'boolean' },
  },
});
const say = (line) => process.stderr.write(`[bench-torch] ${line}\n`);
fs.mkdirSync(outDir, { recursive: true });

/** Runs a command; resolves with its exit code, the JSON lines of its stdout and the tail of its stderr. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err = (err + c).slice(-4000)));
    child.on('close', (code) => resolve({ code, events: out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)), stderr: err }));
  });
}

const torchEnv = { PYTHONPATH: path.join(repoRoot, 'pytorch'), OMP_NUM_THREADS: '1' };
/** `torchrun` of PyTorch 1.13 under Python 3.11 cannot parse its default --redirects/--tee: give values it can. */
const torchrun = (n) => ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', String(n), '--redirects', '2', '--tee', '2'];

async function exportCorpus(dirs, file) {
  const r = await run(process.execPath, [cli, 'export-corpus', ...dirs, '--out', file, '--json']);
  if (r.code !== 0) throw new Error(`export-corpus failed: ${r.stderr}`);
  return r.events.at(-1);
}

function done(r, what) {
  const d = r.events.find((e) => e.event === 'done');
  if (!d) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr}`);
  return d;
}

async function speed() {
  const dirs = opts.dir ?? [path.join(repoRoot, 'src'), path.join(repoRoot, 'test')];
  const seconds = Number(opts.seconds ?? 45);
  const hidden = (opts.hidden ?? '256,1024').split(',').map(Number);
  const corpus = path.join(outDir, 'speed-corpus.safetensors');
  const info = await exportCorpus(dirs, corpus);
  say(`corpus: ${JSON.stringify(info)}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-torch-'));
  const rows = [];
  for (const H of hidden) {
    const common = ['--hidden', String(H), '--seconds', String(seconds), '--json'];
    const runs = [
      ['TypeScript, 1 thread', process.execPath, [cli, 'train', ...dirs, '--out', path.join(tmp, 'ts.safetensors'), '--threads', '1', ...common], {}],
      ['TypeScript, 2 threads', process.execPath, [cli, 'train', ...dirs, '--out', path.join(tmp, 'ts.safetensors'), '--threads', '2', ...common], {}],
      ['PyTorch, 1 process x 1 thread', python, ['-m', 'char_rnn_torch.train', '--corpus', corpus, '--out', path.join(tmp, 'py.safetensors'), '--threads', '1', ...common], torchEnv],
      ['PyTorch, 1 process x 2 threads', python, ['-m', 'char_rnn_torch.train', '--corpus', corpus, '--out', path.join(tmp, 'py.safetensors'), '--threads', '2', ...common], torchEnv],
      ['PyTorch DDP, 2 processes x 1 thread', python, [...torchrun(2), '-m', 'char_rnn_torch.train', '--corpus', corpus, '--out', path.join(tmp, 'py.safetensors'), '--threads', '1', ...common], torchEnv],
    ];
    for (const [name, cmd, args, env] of runs) {
      say(`H = ${H}: ${name} (${seconds} s)`);
      const d = done(await run(cmd, args, env), name);
      rows.push({ hidden: H, trainer: name, charsPerSec: d.charsPerSec, steps: d.step, valBitsPerChar: d.valBitsPerChar });
      say(`  ${Math.round(d.charsPerSec).toLocaleString('en-US')} chars/s, ${d.step} steps`);
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const result = { when: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, seconds, corpus: info, rows };
  fs.writeFileSync(path.join(outDir, 'speed.json'), JSON.stringify(result, null, 1) + '\n');
  console.log(`| H | trainer | chars/s | steps in ${seconds} s |\n|---:|---|---:|---:|`);
  for (const r of rows) console.log(`| ${r.hidden} | ${r.trainer} | ${Math.round(r.charsPerSec).toLocaleString('en-US')} | ${r.steps} |`);
}

async function quality() {
  const ws = path.join(repoRoot, '.cache', 'bench-quality', opts.quality);
  const minutes = Number(opts.minutes ?? 20);
  const trainDir = path.join(ws, 'train');
  const editor = path.join(ws, 'model-5min.eval.json');
  if (!fs.existsSync(trainDir) || !fs.existsSync(editor)) throw new Error(`${ws} has no train folder or model-5min.eval.json: run npm run bench:quality first`);
  const corpus = path.join(outDir, `${opts.quality}-corpus.safetensors`);
  say(`corpus: ${JSON.stringify(await exportCorpus([trainDir], corpus))}`);
  const model = path.join(outDir, `${opts.quality}-ddp-${minutes}min.safetensors`);
  const log = path.join(outDir, `${opts.quality}-ddp-${minutes}min.train.jsonl`);
  let train;
  if (opts.reuse && fs.existsSync(model) && fs.existsSync(log)) {
    say(`reusing ${path.relative(repoRoot, model)}`);
    train = { events: fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  } else {
    say(`training with DDP on 2 processes for ${minutes} min`);
    train = await run(python, [...torchrun(2), '-m', 'char_rnn_torch.train', '--corpus', corpus, '--out', model, '--minutes', String(minutes), '--threads', '1', '--json'], torchEnv);
    fs.writeFileSync(log, train.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
  const d = done(train, 'PyTorch training');
  say(`trained: ${d.step} steps, ${Math.round(d.charsPerSec)} chars/s, best validation ${d.bestValBitsPerChar?.toFixed(3)} at step ${d.bestStep}`);
  const saved = JSON.parse(fs.readFileSync(editor, 'utf8'));
  const args = saved.args.map((a) => (a.endsWith('model-5min.safetensors') ? path.relative(repoRoot, model) : a));
  say(`evaluating: char-rnn ${args.join(' ')}`);
  const ev = await run(process.execPath, [cli, ...args]);
  const result = ev.events.find((e) => Array.isArray(e.engines));
  if (!result) throw new Error(`eval failed: ${ev.stderr}`);
  fs.writeFileSync(path.join(outDir, `${opts.quality}-ddp-${minutes}min.eval.json`), JSON.stringify({ args, result }, null, 1) + '\n');
  const pick = (r) => ({ model: r.engines[0], product: r.engines.find((e) => e.default) });
  const a = pick(saved.result), b = pick(result);
  const f = (x) => (x === undefined ? '-' : x.toFixed(3));
  console.log(`| ${opts.quality} | editor, TypeScript 5 min | PyTorch DDP 2 x CPU, ${minutes} min |\n|---|---:|---:|`);
  console.log(`| model alone: bits/char | ${f(a.model.bitsPerChar)} | ${f(b.model.bitsPerChar)} |`);
  console.log(`| product (adaptation): bits/char | ${f(a.product.bitsPerChar)} | ${f(b.product.bitsPerChar)} |`);
  console.log(`| product: KSR no gate | ${f(a.product.ksrNoGate)} | ${f(b.product.ksrNoGate)} |`);
  console.log(`| product: KSR at the default gate (acceptance) | ${f(a.product.ksr)} (${f(a.product.acceptance)}) | ${f(b.product.ksr)} (${f(b.product.acceptance)}) |`);
  console.log(`| training: steps, chars/s | (bench:quality's log) | ${d.step}, ${Math.round(d.charsPerSec).toLocaleString('en-US')} |`);
}

(opts.quality ? quality() : speed()).catch((err) => {
  say(`error: ${err.message}`);
  process.exit(1);
});

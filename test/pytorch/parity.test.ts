/**
 * The PyTorch trainer (pytorch/char_rnn_torch) and the TypeScript core are one model: the same rows of
 * the direct connections, the same bits/char of a checkpoint, the same loss and gradients of a step,
 * the same parameters after 20 steps resumed from a TypeScript checkpoint, DDP with 2 processes equal
 * to one, and checkpoints that each side reads from the other. Needs Python with PyTorch (helpers/python.ts):
 * without it every test here fails and says how to install it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeCheckpoint, LoadedCheckpoint } from '../../src/core/checkpoint/checkpoint';
import { decodeSafetensors } from '../../src/core/checkpoint/safetensors/decode';
import { fastKernels } from '../../src/core/kernels/kernels';
import { bitsPerChar } from '../../src/core/model/bits-per-char';
import { allocChunk, backwardChunk, BpttBuffers, forwardChunk } from '../../src/core/model/bptt';
import { DirectConnections, DirectGradient } from '../../src/core/model/direct-connections';
import { Rng } from '../../src/core/model/rng';
import { decodeCorpusExport } from '../../src/core/train/corpus-export';
import { StreamSampler } from '../../src/core/train/streams';
import { ok } from '../helpers/cli';
import { repoRoot } from '../helpers/repo';
import { okTorch, pythonWithTorch, runPython, runTorch, spawnTorch } from '../helpers/python';

/** max |a - b| / max |a|: the error relative to the array's scale. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'the arrays have the same length');
  let err = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return err / Math.max(scale, 1e-30);
}

const load = (file: string): LoadedCheckpoint => decodeCheckpoint(fs.readFileSync(file), file, fastKernels);
const jsonLines = (out: string): Record<string, unknown>[] => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

describe('PyTorch trainer: parity with the TypeScript core', function () {
  this.timeout(600_000);
  let dir: string;
  let corpus: string;
  const src = path.join(repoRoot(), 'src', 'core'); // real code: 60-odd files, some held out
  /** a TypeScript checkpoint after 3 steps: L layers, direct connections of `orders` (0: none) */
  const tsModel = (name: string, extra: string[]) => {
    const out = path.join(dir, `${name}.safetensors`);
    ok(['train', src, '--out', out, '--steps', '3', '--hidden', '32', '--seq', '16', '--batch', '6', '--threads', '1', '--json', ...extra]);
    return out;
  };

  before(() => {
    pythonWithTorch(); // fails the suite at once, with the way to install it, when there is no PyTorch
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'char-rnn-torch-'));
    corpus = path.join(dir, 'corpus.safetensors');
    ok(['export-corpus', src, '--out', corpus]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('computes the same direct-connection rows: exact low orders, FNV-1a over 16-bit ids above, padding before a file start', () => {
    const cases = [{ V: 5, K: 200, orders: 5 }, { V: 300, K: 1000, orders: 4 }]; // orders 1-3 exact for V = 5; 16-bit ids for V = 300
    for (const { V, K, orders } of cases) {
      const rng = new Rng(V);
      const tokens = Array.from({ length: 400 }, () => rng.nextInt(V));
      const positions = Array.from({ length: 120 }, (_, i) => i * 3);
      const starts = positions.map((p) => Math.max(0, p - (p % 50))); // a file start every 50 tokens
      const table = new DirectConnections({ orders, rowsPerOrder: K, vocabSize: V });
      const expected = positions.flatMap((p, i) => Array.from(table.rows(tokens, p, starts[i])));
      const file = path.join(dir, `rows-${V}.json`);
      fs.writeFileSync(file, JSON.stringify({ V, K, orders, tokens, positions, starts }));
      const code = `import json, numpy as np; from char_rnn_torch.direct import DirectConfig, context_rows
d = json.load(open(${JSON.stringify(file)}))
print(json.dumps(context_rows(DirectConfig(d['orders'], d['K'], d['V']), np.array(d['tokens']), np.array(d['positions']), np.array(d['starts'])).reshape(-1).tolist()))`;
      const rows = JSON.parse(runPython(code));
      assert.deepEqual(rows, expected, `V = ${V}: the rows differ`);
      assert.ok(table.exact[0] === 1 && table.exact[orders - 1] === 0, 'both kinds of order are covered');
    }
  });

  for (const layers of [1, 2]) {
    for (const orders of [0, 3]) {
      it(`gives the same held-out bits/char as TypeScript for the same checkpoint (L = ${layers}, ${orders ? 'with' : 'without'} direct connections), to 1e-4`, () => {
        const model = tsModel(`bpc-${layers}-${orders}`, ['--layers', String(layers), '--direct-orders', String(orders)]);
        const data = decodeCorpusExport(fs.readFileSync(corpus));
        const loaded = load(model);
        assert.equal(!!loaded.model.direct, orders > 0);
        const ts = bitsPerChar(loaded.model, data.val).bitsPerChar;
        const py = JSON.parse(okTorch('evaluate', ['--checkpoint', model, '--corpus', corpus, '--json'])) as { bitsPerChar: number; chars: number };
        assert.ok(Number.isFinite(ts) && ts > 1, `a real figure (${ts})`);
        assert.ok(Math.abs(py.bitsPerChar - ts) / ts < 1e-4, `PyTorch ${py.bitsPerChar} vs TypeScript ${ts} bits/char`);
      });
    }
  }

  it('takes the same next chunk, loss and gradients as TypeScript from the same state (L = 2, direct connections)', () => {
    const model = tsModel('step', ['--layers', '2', '--direct-orders', '3']);
    const grads = path.join(dir, 'grads.safetensors');
    okTorch('step', ['--checkpoint', model, '--corpus', corpus, '--out', grads]);
    const py = decodeSafetensors(fs.readFileSync(grads));
    // the same step in TypeScript: the streams and generator of the checkpoint, then forward and backward
    const { model: m, training } = load(model);
    const data = decodeCorpusExport(fs.readFileSync(corpus));
    const s = training!.settings, r = training!.resume!;
    const T = s.seqLength, B = s.batchSize, direct = m.direct!, R = direct.config.orders, V = m.config.vocabSize;
    const sampler = new StreamSampler(data.train, m.vocab, B, s.lineStartProb, s.segmentChars);
    sampler.setState(r.streams);
    const rng = new Rng(0);
    rng.setState(r.rng);
    const chunk = allocChunk(T, B, fastKernels, V);
    const rows = new Int32Array(T * B * R);
    sampler.fill(chunk, T, rng, { table: direct, rows });
    fastKernels.sumRows(chunk.bias!, direct.table, rows, T * B, R, V);
    const buf = new BpttBuffers(m, T, B);
    const { layers: L, hiddenSize: H } = m.config;
    for (let l = 0; l < L; l++) for (let b = 0; b < B; b++) buf.carry[l].set(r.carry.subarray((l * B + b) * H, (l * B + b + 1) * H), b * H);
    const loss = forwardChunk(m, buf, chunk);
    const grad = new Float32Array(m.params.length);
    backwardChunk(m, buf, chunk, grad);
    const dGrad = new DirectGradient(V, T * B * R);
    dGrad.assign(rows, chunk.weight, T * B, R);
    dGrad.scatter(0, T * B, R, buf.probs as Float32Array, chunk.weight, T * B);

    assert.deepEqual(Array.from(py.tensors.inputs.data), Array.from(chunk.inputs), 'the same chunk of inputs');
    const pyLoss = Number(py.metadata.loss);
    assert.ok(Math.abs(pyLoss - loss) / loss < 1e-5, `loss: PyTorch ${pyLoss} vs TypeScript ${loss}`);
    const e = relError(grad, py.tensors.grad.data);
    assert.ok(e < 1e-4, `the parameters' gradients differ by ${e} of their largest`);
    // the direct table's gradient, row by row
    const pyRows = Array.from(py.tensors['me.rows'].data);
    assert.equal(pyRows.length, dGrad.count, 'the same rows touched');
    const tsRow = new Map<number, number>();
    for (let k = 0; k < dGrad.count; k++) tsRow.set(dGrad.rows[k], k);
    const pyG = py.tensors['me.grad'].data, ordered = new Float32Array(pyG.length);
    pyRows.forEach((row, k) => {
      const slot = tsRow.get(row);
      assert.ok(slot !== undefined, `row ${row} is touched in TypeScript too`);
      ordered.set(dGrad.data.subarray(slot * V, (slot + 1) * V), k * V);
    });
    const ed = relError(ordered, pyG);
    assert.ok(ed < 1e-4, `the table's gradients differ by ${ed} of their largest`);
  });

  for (const variant of [
    { name: 'Adam, norm clipping, L = 2, direct connections', flags: ['--layers', '2', '--direct-orders', '3'] },
    { name: 'Adagrad, value clipping, L = 1', flags: ['--optimizer', 'adagrad', '--clip-mode', 'value', '--clip', '1', '--direct-orders', '0'] },
  ]) {
    it(`continues a TypeScript checkpoint for 20 steps to the same parameters, to 1e-3 (${variant.name})`, () => {
      const model = tsModel(`resume-${variant.flags.length}`, variant.flags);
      const tsOut = path.join(dir, 'ts20.safetensors'), pyOut = path.join(dir, 'py20.safetensors');
      const pyStart = path.join(dir, 'py-start.safetensors');
      fs.copyFileSync(model, pyStart);
      ok(['train', src, '--resume', model, '--out', tsOut, '--steps', '23', '--threads', '1', '--json']);
      const events = jsonLines(okTorch('train', ['--corpus', corpus, '--resume', pyStart, '--out', pyOut, '--steps', '23', '--json']));
      assert.equal(events.find((e) => e.event === 'start')?.resumedExactly, true, 'the PyTorch run continues the streams exactly');
      const a = load(tsOut), b = load(pyOut);
      assert.equal(b.training!.step, 23);
      const e = relError(a.model.params, b.model.params);
      assert.ok(e < 1e-3, `parameters differ by ${e} of their largest`);
      if (a.model.direct) {
        const et = relError(a.model.direct.table, b.model.direct!.table);
        assert.ok(et < 1e-3, `direct tables differ by ${et} of their largest`);
      }
      const name = a.training!.optimizer.name;
      for (const k of Object.keys(a.training!.optimizer.state)) {
        const eo = relError(a.training!.optimizer.state[k], b.training!.optimizer.state[k]);
        assert.ok(eo < 1e-3, `${name} state ${k} differs by ${eo}`);
      }
      assert.deepEqual(b.training!.resume!.streams, a.training!.resume!.streams, 'the streams are at the same places');
      assert.deepEqual(b.training!.resume!.rng, a.training!.resume!.rng, 'the generators are in the same state');
    });
  }

  it('trains the same model with DDP on 2 processes (Gloo) as on one with the same global batch, to 1e-4', () => {
    const one = path.join(dir, 'one.safetensors'), two = path.join(dir, 'two.safetensors');
    const flags = ['--corpus', corpus, '--steps', '12', '--hidden', '32', '--layers', '2', '--seq', '16', '--batch', '6', '--direct-orders', '3', '--val-every', '5', '--json'];
    okTorch('train', [...flags, '--out', one]);
    const events = jsonLines(okTorch('train', [...flags, '--out', two], { torchrun: 2 }));
    assert.equal(events.find((e) => e.event === 'start')?.processes, 2, 'two processes trained');
    const a = load(one), b = load(two);
    const e = relError(a.model.params, b.model.params);
    assert.ok(e < 1e-4, `parameters differ by ${e} of their largest`);
    const et = relError(a.model.direct!.table, b.model.direct!.table);
    assert.ok(et < 1e-4, `direct tables differ by ${et}`);
    assert.ok(relError(a.training!.resume!.carry, b.training!.resume!.carry) < 1e-4, 'the carried state of every stream is gathered');
    const va = a.training!.history.at(-1)!.valBitsPerChar!, vb = b.training!.history.at(-1)!.valBitsPerChar!;
    assert.ok(Math.abs(va - vb) / va < 1e-4, `validation ${va} vs ${vb}`);
  });

  it('writes checkpoints that the TypeScript CLI loads, samples from and resumes exactly, with the events of train --json', () => {
    const out = path.join(dir, 'from-torch.safetensors');
    const events = jsonLines(okTorch('train', ['--corpus', corpus, '--out', out, '--steps', '8', '--hidden', '32', '--seq', '16', '--batch', '6', '--direct-orders', '3', '--val-every', '4', '--json']));
    for (const kind of ['start', 'val', 'checkpoint', 'done']) assert.ok(events.some((e) => e.event === kind), `a '${kind}' event`);
    const done = events.find((e) => e.event === 'done')!;
    for (const key of ['step', 'charsSeen', 'loss', 'valBitsPerChar', 'reason', 'elapsedSec', 'charsPerSec']) assert.ok(key in done, `'done' has ${key}`);
    const loaded = load(out); // the CRC-32s, names and metadata as the TypeScript decoder demands them
    assert.equal(loaded.training!.step, 8);
    assert.ok(loaded.model.direct, 'with its direct connections');
    const resumed = jsonLines(ok(['train', src, '--resume', out, '--out', path.join(dir, 'ts-cont.safetensors'), '--steps', '9', '--threads', '1', '--json']));
    assert.equal(resumed.find((e) => e.event === 'start')?.resumedExactly, true, 'TypeScript continues the PyTorch run exactly');
    const sample = ok(['sample', '--model', out, '--length', '40', '--seed', '3']);
    assert.ok(sample.length >= 20, 'the CLI samples from it');
  });

  it('stops on Ctrl-C (SIGINT) at the next step and saves a checkpoint that TypeScript loads', async () => {
    const out = path.join(dir, 'interrupted.safetensors');
    const child = spawnTorch('train', ['--corpus', corpus, '--out', out, '--seconds', '120', '--hidden', '32', '--seq', '16', '--batch', '6', '--direct-orders', '2', '--direct-mb', '1', '--json']);
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('"event": "progress"')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before any progress: ${stdout}`)));
    });
    child.kill('SIGINT');
    assert.equal(await exited, 0, 'a clean exit');
    const done = jsonLines(stdout).find((e) => e.event === 'done')!;
    assert.equal(done.reason, 'stopped');
    assert.ok((done.elapsedSec as number) < 60, 'it stopped at once, not at the end of its time');
    assert.equal(load(out).training!.step, done.step, 'the checkpoint holds the step it stopped at');
  });

  it('refuses bad input with one line and exit status 1: not a corpus file, a corrupt file, a missing checkpoint', () => {
    const model = tsModel('bad', ['--direct-orders', '0']);
    const corrupt = path.join(dir, 'corrupt.safetensors');
    const bytes = fs.readFileSync(corpus);
    bytes[bytes.length - 10] ^= 0x40;
    fs.writeFileSync(corrupt, bytes);
    const cases: [string[], RegExp][] = [
      [['--corpus', model, '--out', path.join(dir, 'x.safetensors')], /not a Char-RNN corpus file/],
      [['--corpus', corrupt, '--out', path.join(dir, 'x.safetensors')], /checksum \(crc32\) does not match/],
      [['--corpus', corpus, '--resume', path.join(dir, 'none.safetensors'), '--out', path.join(dir, 'x.safetensors')], /no such file/],
      [['--corpus', corpus, '--out', dir], /is a folder/],
    ];
    for (const [args, pattern] of cases) {
      const r = runTorch('train', args);
      assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${r.stderr}`);
      assert.match(lines[0], /^char_rnn_torch: /);
      assert.match(lines[0], pattern);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'x.safetensors')), 'nothing written');
  });
});

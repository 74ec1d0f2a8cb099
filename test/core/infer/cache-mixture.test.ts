import assert from 'node:assert/strict';
import { NGramCache } from '../../../src/core/infer/ngram-cache';
import { PAD } from '../../../src/core/model/direct-connections';
import { CacheMixture, MixtureContext } from '../../../src/core/infer/cache-mixture';
import { DynamicEvaluation } from '../../../src/core/infer/adaptation';
import { dynamicBitsPerChar } from '../../../src/core/eval/simulated-user';
import { CompletionSession } from '../../../src/core/infer/session';
import { Trainer } from '../../../src/core/train/trainer';
import { DEFAULT_TRAIN_SETTINGS } from '../../../src/core/checkpoint/training-state';
import { textData } from '../../helpers/model';
import { defaultKernels } from '../../../src/core/kernels/default-kernels';

/** ids of a short text over a small alphabet */
const TEXT = 'abracadabra cadabra abracadabra arbadacarba abra'.split('').map((c) => ' abcdr'.indexOf(c));
const V = 6;

/**
 * The interpolated Witten-Bell chain computed directly from counted strings: p starts from `base`, and
 * each order n = 0 .. N whose context (the last n symbols) was seen refines it.
 */
function directChain(seen: number[][], history: number[], N: number, beta: number, base: number[]): number[] {
  let p = base.slice();
  const hist = [...new Array<number>(N).fill(PAD), ...history]; // before the text: padding
  for (let n = 0; n <= N; n++) {
    const ctx = hist.slice(hist.length - n).join(',');
    const counts = new Map<number, number>();
    for (const original of seen) {
      const text = [...new Array<number>(N).fill(PAD), ...original];
      for (let i = N; i < text.length; i++) {
        if (text.slice(i - n, i).join(',') === ctx) counts.set(text[i], (counts.get(text[i]) ?? 0) + 1);
      }
    }
    if (counts.size === 0) break;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const escape = beta * counts.size;
    p = p.map((q, v) => ((counts.get(v) ?? 0) + escape * q) / (total + escape));
  }
  return p;
}

function countAll(cache: NGramCache, text: number[], N: number): void {
  const hist = new Int32Array(N).fill(PAD);
  for (const id of text) {
    cache.add(id, hist, N - 1, N);
    hist.copyWithin(0, 1);
    hist[N - 1] = id;
  }
}

describe('the cache (character n-gram of the text read)', () => {
  it('gives the interpolated Witten-Bell estimate of a direct count, summing to 1', () => {
    const N = 4;
    const cache = new NGramCache(V, { orders: N });
    countAll(cache, TEXT, N);
    for (const h of [[1, 2], [3, 1, 5], [5, 1, 2, 1], [4, 4], [2, 1, 2, 1]]) {
      const base = Array.from({ length: V }, (_, v) => (v + 1) / 21); // any distribution
      const p = Float64Array.from(base);
      const hist = Int32Array.from(h);
      cache.interpolate(p, hist, hist.length - 1, hist.length, 0, 1.5);
      const want = directChain([TEXT], h, N, 1.5, base);
      for (let v = 0; v < V; v++) assert.ok(Math.abs(p[v] - want[v]) < 1e-12, `history ${h}: P(${v}) = ${p[v]}, directly ${want[v]}`);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    }
  });

  it('an unseen context leaves the base distribution as it is', () => {
    const cache = new NGramCache(V, { orders: 3 });
    const p = Float64Array.from([0.1, 0.2, 0.3, 0.1, 0.2, 0.1]);
    const before = Array.from(p);
    cache.interpolate(p, Int32Array.from([1, 2]), 1, 2, 0, 1);
    assert.deepEqual(Array.from(p), before);
  });

  it('stays under its memory cap, keeping the most recent text', () => {
    const cache = new NGramCache(V, { orders: 8, maxMB: 0.25 });
    const N = 8;
    const hist = new Int32Array(N).fill(PAD);
    let x = 1;
    for (let i = 0; i < 60000; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff; // pseudo-random text: every context new
      const id = 1 + (x >>> 16) % (V - 1);
      cache.add(id, hist, N - 1, N);
      hist.copyWithin(0, 1);
      hist[N - 1] = id;
      assert.ok(cache.bytes <= 0.25 * 2 ** 20, `${cache.bytes} bytes after ${i + 1} characters`);
    }
    assert.ok(cache.counted > 1000 && cache.counted < 60000, `counted ${cache.counted}: a part of the text is kept`);
    // the last context is still known
    const p = new Float64Array(V).fill(1 / V);
    assert.equal(cache.interpolate(p, hist, N - 2, N - 1, 0, 1) >= 0, true);
  });

  it('refuses bad settings and symbols with a clear message', () => {
    assert.throws(() => new NGramCache(V, { orders: 0 }), /orders must be an integer from 1 to 32, got 0/);
    assert.throws(() => new NGramCache(V, { maxMB: 0 }), /memory cap must be from/);
    assert.throws(() => new NGramCache(V).add(V, [], -1, 0), /symbol 6 is outside the vocabulary of 6/);
  });
});

describe('the cache mixture', () => {
  it('mixes the model and the cache with the weight of the context\'s bucket, summing to 1', () => {
    const mix = new CacheMixture(V, { orders: 4, beta: 1 });
    const hist = new Int32Array(4).fill(PAD);
    for (const id of TEXT) {
      mix.observe(id, hist, 3, 4);
      hist.copyWithin(0, 1);
      hist[3] = id;
    }
    const model = [0.05, 0.3, 0.25, 0.2, 0.1, 0.1];
    const p = Float64Array.from(model);
    mix.mixInto(p, 0, hist, 3, 4);
    const pc = new Float64Array(V);
    const bucket = mix.cacheDistribution(pc, hist, 3, 4);
    const lam = mix.lambda(bucket);
    assert.ok(lam > 0 && lam < 1);
    for (let v = 0; v < V; v++) assert.ok(Math.abs(p[v] - ((1 - lam) * model[v] + lam * pc[v])) < 1e-12);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    // generation's form: no probability for the unknown symbol (id 0), the rest renormalised
    const ctx = new MixtureContext(mix, 2);
    ctx.set(1, Array.from(hist));
    const rows = Float64Array.from([...model, ...model]);
    ctx.mixInto(rows, 1, V);
    assert.equal(rows[V], 0);
    assert.ok(Math.abs(rows.subarray(V).reduce((a, b) => a + b, 0) - 1) < 1e-12);
    for (let v = 1; v < V; v++) assert.ok(Math.abs(rows[V + v] - p[v] / (1 - p[0])) < 1e-12);
  });

  it('a learning step follows the gradient of the log-likelihood', () => {
    const mix = new CacheMixture(V, { orders: 2, learningRate: 0.1, initialWeight: 0.3 });
    const c = { p: 0.6, bucket: 5 };
    const pModel = 0.2;
    const logP = (a: number) => {
      const lam = 1 / (1 + Math.exp(-a));
      return Math.log((1 - lam) * pModel + lam * c.p);
    };
    const eps = 1e-6;
    const grad = (logP(0.3 + eps) - logP(0.3 - eps)) / (2 * eps);
    const p = mix.learn(c, pModel);
    assert.ok(Math.abs(p - Math.exp(logP(0.3))) < 1e-12, 'learn returns P(x) before the step');
    assert.ok(Math.abs((mix.weights[5] - 0.3) / 0.1 - grad) < 1e-6, `step ${(mix.weights[5] - 0.3) / 0.1} against the numeric gradient ${grad}`);
    assert.equal(mix.weights[4], 0.3, 'other buckets are untouched');
  });
});

describe('the cache in the adaptation', () => {
  const TRAIN = ['function add(a, b) {\n  return a + b;\n}\n', 'const x = add(1, 2);\n'];
  const USER = 'const zygote_qux = makeZygote();\nzygote_qux.run(zygote_qux);\nzygote_qux.stop();\n'.repeat(4);
  let trainer: Trainer;

  before(() => {
    const { vocab, data } = textData([...TRAIN, USER]);
    trainer = Trainer.create(vocab, data, undefined, { ...DEFAULT_TRAIN_SETTINGS, hiddenSize: 16, seqLength: 16, batchSize: 2, directOrders: 3, directMB: 1 }, defaultKernels());
    for (let i = 0; i < 5; i++) trainer.trainStep();
  });
  after(() => trainer.dispose());

  it('lowers bits per character on repeated text, and Reset Adaptation forgets it exactly', () => {
    const model = trainer.model;
    const data = textData([USER], model.vocab).data;
    const plain = new DynamicEvaluation(model, { cache: false });
    const withCache = new DynamicEvaluation(model);
    const a = dynamicBitsPerChar(plain, data).bitsPerChar;
    const b = dynamicBitsPerChar(withCache, data).bitsPerChar;
    assert.ok(b < a - 0.2, `with the cache ${b.toFixed(3)} bits/char, without ${a.toFixed(3)}`);
    assert.ok(withCache.mixture!.cache.counted > 0 && withCache.mixture!.learned > 0);
    // after a reset, the same text gives the same figure as a fresh adaptation
    withCache.reset();
    assert.equal(withCache.mixture!.cache.counted, 0);
    const fresh = new DynamicEvaluation(model);
    assert.equal(dynamicBitsPerChar(withCache, data).bitsPerChar, dynamicBitsPerChar(fresh, data).bitsPerChar);
    for (const d of [plain, withCache, fresh]) d.dispose();
  });

  it('proposes an identifier the user typed before, and a reset session proposes what a fresh one does', () => {
    const model = trainer.model;
    const dyn = new DynamicEvaluation(model);
    const session = new CompletionSession(model, { dynamic: dyn });
    const text = USER + 'zy';
    for (let i = 1; i <= text.length; i++) session.stateAt(text, i); // typed one character at a time
    const p = session.propose(text, text.length, { search: 'beam', maxChars: 20 });
    assert.ok(p && 'gote_qux'.startsWith(p.text.slice(0, 4)) && p.text.length >= 4, `proposed ${JSON.stringify(p?.text)}`);
    dyn.reset();
    session.clear();
    const fresh = new CompletionSession(model, { dynamic: new DynamicEvaluation(model) });
    const q = 'const a';
    assert.deepEqual(session.propose(q, q.length, { search: 'beam' })?.text, fresh.propose(q, q.length, { search: 'beam' })?.text);
    dyn.dispose();
  });
});

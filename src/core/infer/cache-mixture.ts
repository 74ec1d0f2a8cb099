/**
 * The adaptive mixture: the model's softmax mixed with a cache of the text read and typed (ngram-cache.ts),
 * with mixture weights that depend on what the cache knows of the context and are learned online
 * (Kuhn & De Mori's cache model; Mikolov's linear interpolation of an RNN with an n-gram; the weights
 * per context class as in Jelinek-Mercer's bucketed interpolation):
 *
 *   P(c | h) = (1 - lambda[b]) P_model(c | h) + lambda[b] P_cache(c | h)
 *   lambda[b] = sigmoid(a[b])
 *   b = bucket(the deepest order n whose context the cache has seen, its count class, whether one
 *       symbol only ever followed it)
 *
 * After each character x is read, a[b] takes one gradient step on -log P(x | h):
 *   d(-log P)/d a[b] = -lambda (1 - lambda) (P_cache(x) - P_model(x)) / P(x).
 *
 * P_cache is the cache's interpolated Witten-Bell estimate rooted at the uniform distribution over the
 * vocabulary. Everything here is one distribution: proposals, sampling and bits per character all come
 * from P.
 */
import { CacheConfig, CacheMatch, DEFAULT_CACHE_CONFIG, NGramCache } from './ngram-cache';
import { PAD } from '../model/direct-connections';
import { UNKNOWN } from '../model/vocab';

export interface MixtureOptions extends CacheConfig {
  /** the cache's escape scale (beta of ngram-cache.ts): larger trusts its longer contexts less */
  beta: number;
  /** the weights' learning rate */
  learningRate: number;
  /** a[b] before any learning (lambda = sigmoid of it) */
  initialWeight: number;
}

/**
 * Defaults chosen on the development workspaces (undici and ajv, held-out folders; see the README's
 * quality section), never on the benchmark's workspaces.
 */
const DEFAULT_MIXTURE_OPTIONS: MixtureOptions = { ...DEFAULT_CACHE_CONFIG, beta: 4, learningRate: 0.15, initialWeight: -1 };

function validateMixtureOptions(o: MixtureOptions): void {
  if (!(o.beta > 0 && o.beta <= 1000)) throw new Error(`the cache's escape scale must be in (0, 1000], got ${o.beta}`);
  if (!(o.learningRate >= 0 && o.learningRate <= 10)) throw new Error(`the mixture's learning rate must be in [0, 10], got ${o.learningRate}`);
  if (!(Number.isFinite(o.initialWeight) && Math.abs(o.initialWeight) <= 20)) throw new Error(`the mixture's initial weight must be in [-20, 20], got ${o.initialWeight}`);
}

/** count classes of the deepest seen context: 1, 2, 3-5, 6 or more */
const COUNT_CLASSES = 4;

/** The cache's prediction of one symbol, kept until the model's is known. */
export interface CachePrediction {
  /** P_cache(x | h) */
  p: number;
  /** the bucket of h */
  bucket: number;
}

export class CacheMixture {
  readonly options: MixtureOptions;
  readonly V: number;
  readonly cache: NGramCache;
  /** (buckets) a[b] */
  readonly weights: Float64Array;
  /** characters the weights learned from */
  learned = 0;
  /** (V) scratch: the cache's distribution */
  private readonly pc: Float64Array;
  private readonly match: CacheMatch = { order: -1, total: 0, distinct: 0 };

  constructor(vocabSize: number, options: Partial<MixtureOptions> = {}) {
    this.options = { ...DEFAULT_MIXTURE_OPTIONS, ...options };
    validateMixtureOptions(this.options);
    this.V = vocabSize;
    this.cache = new NGramCache(vocabSize, { orders: this.options.orders, maxMB: this.options.maxMB });
    this.weights = new Float64Array((this.options.orders + 1) * COUNT_CLASSES * 2).fill(this.options.initialWeight);
    this.pc = new Float64Array(vocabSize);
  }

  /** N: the history a prediction reads, in symbols */
  get orders(): number {
    return this.options.orders;
  }

  /** Bytes held (the cache's tables and text; the weights are a few hundred bytes). */
  get bytes(): number {
    return this.cache.bytes + this.weights.byteLength;
  }

  /** The bucket of a context the cache has seen (order >= 0); -1 when it knows nothing of it. */
  private bucketOf(m: CacheMatch): number {
    if (m.order < 0) return -1;
    const c = m.total <= 1 ? 0 : m.total <= 2 ? 1 : m.total <= 5 ? 2 : 3;
    return (m.order * COUNT_CLASSES + c) * 2 + (m.distinct === 1 ? 1 : 0);
  }

  /** lambda[b] */
  lambda(bucket: number): number {
    return 1 / (1 + Math.exp(-this.weights[bucket]));
  }

  /**
   * The cache's distribution after the `len` symbols ending at hist[end] (oldest first) into `out`
   * (V, sums to 1), and its bucket (-1: the cache has counted nothing, and the mixture is the model).
   */
  cacheDistribution(out: Float64Array, hist: ArrayLike<number>, end: number, len: number): number {
    out.fill(1 / this.V);
    this.cache.interpolate(out, hist, end, len, 0, this.options.beta, this.match);
    return this.bucketOf(this.match);
  }

  /**
   * p (V): the model's distribution, replaced in place by the mixture's after the `len` symbols ending
   * at hist[end]. With `noUnknown`, the unknown symbol gets no probability and the rest is renormalised
   * (generation never proposes it).
   */
  mixInto(p: Float64Array, offset: number, hist: ArrayLike<number>, end: number, len: number, noUnknown = false): void {
    const pc = this.pc;
    const b = this.cacheDistribution(pc, hist, end, len);
    if (b < 0) return; // an empty cache: the model's distribution, exactly
    const lam = this.lambda(b);
    const V = this.V;
    for (let v = 0; v < V; v++) p[offset + v] = (1 - lam) * p[offset + v] + lam * pc[v];
    if (noUnknown) {
      const rest = 1 - p[offset + UNKNOWN];
      p[offset + UNKNOWN] = 0;
      if (rest > 0) for (let v = 0; v < V; v++) p[offset + v] /= rest;
    }
  }

  /** The cache's prediction of `x` after the history (before `x` is counted). */
  predict(x: number, hist: ArrayLike<number>, end: number, len: number): CachePrediction {
    const bucket = this.cacheDistribution(this.pc, hist, end, len);
    return { p: this.pc[x], bucket };
  }

  /**
   * Learns from one character whose cache prediction was `c` and whose model probability is `pModel`:
   * one step on a[b]. Returns P(x) under the mixture before the step.
   */
  learn(c: CachePrediction, pModel: number): number {
    if (c.bucket < 0) return pModel;
    const lam = this.lambda(c.bucket);
    const p = (1 - lam) * pModel + lam * c.p;
    if (p > 0) this.weights[c.bucket] += this.options.learningRate * lam * (1 - lam) * (c.p - pModel) / p;
    this.learned++;
    return p;
  }

  /** Counts `x` after its history (see NGramCache.add). */
  observe(x: number, hist: ArrayLike<number>, end: number, len: number): void {
    this.cache.add(x, hist, end, len);
  }

  /** A gap in the text read (another document, or a jump). */
  startText(): void {
    this.cache.startText();
  }

  /** Forgets the cache and the learned weights: the model's own distribution, exactly. */
  reset(): void {
    this.cache.reset();
    this.weights.fill(this.options.initialWeight);
    this.learned = 0;
  }
}

/**
 * The cache histories of M rows (beams), N symbols each, oldest first, PAD where the text had not
 * started: the mixture's counterpart of DirectContext.
 */
export class MixtureContext {
  readonly mixture: CacheMixture;
  readonly M: number;
  readonly N: number;
  /** (M, N) */
  readonly hist: Int32Array;

  constructor(mixture: CacheMixture, M = 1) {
    this.mixture = mixture;
    this.M = M;
    this.N = mixture.orders;
    this.hist = new Int32Array(M * this.N).fill(PAD);
  }

  /** Row m's history becomes the last symbols of `ids` (padding before them). */
  set(m: number, ids: ArrayLike<number>): void {
    const N = this.N;
    for (let k = 0; k < N; k++) {
      const i = ids.length - N + k;
      this.hist[m * N + k] = i >= 0 ? ids[i] : PAD;
    }
  }

  push(m: number, id: number): void {
    const N = this.N;
    this.hist.copyWithin(m * N, m * N + 1, (m + 1) * N);
    this.hist[(m + 1) * N - 1] = id;
  }

  copyRow(src: MixtureContext, from: number, to: number): void {
    const N = this.N;
    this.hist.set(src.hist.subarray(from * N, (from + 1) * N), to * N);
  }

  /** p (M, V): each row's model distribution becomes the mixture's (the unknown symbol excluded). */
  mixInto(p: Float64Array, m: number, offset = 0): void {
    this.mixture.mixInto(p, offset, this.hist, (m + 1) * this.N - 1, this.N, true);
  }
}

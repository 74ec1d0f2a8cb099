import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/repo';

// The pure parts of the quality benchmark (scripts/bench-quality/*.mjs): which engine is which in
// `eval --json`, the targets, the tables, and the workspace definitions. Nothing is downloaded.

/** The repository root: the nearest folder above this file that holds package.json. */

// ES modules without type declarations: imported at run time through a computed specifier
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the modules have no declarations
type Untyped = any;
const load = (rel: string): Promise<Untyped> => import(pathToFileURL(path.join(repoRoot(), rel)).href);

interface Engine {
  name: string;
  bitsPerChar?: number;
  ksr?: number;
  acceptance?: number;
  ksrNoGate?: number;
  acceptanceNoGate?: number;
  curve?: { gate: number; ksr: number; acceptance: number; shown: number }[];
  default?: boolean;
}

const curve = (points: [number, number, number][]) => points.map(([gate, ksr, acceptance]) => ({ gate, ksr, acceptance, shown: 100 }));

/** An `eval --json` result as the CLI makes it today, for the model of `minutes` minutes. */
function evalResult(minutes: number, o: { product: number; productKsr: number; productBest: number; staticBpc?: number }): { minConfidence: number; engines: Engine[] } {
  const file = `model-${minutes}min.safetensors`;
  return {
    minConfidence: 0.5,
    engines: [
      { name: `${file} (RNN + direct connections, orders 1-8)`, bitsPerChar: o.staticBpc ?? 2.0, ksr: 0.26, acceptance: 0.41, ksrNoGate: 0.27, acceptanceNoGate: 0.18, curve: curve([[0, 0.27, 0.18], [0.5, 0.26, 0.41], [0.6, 0.25, 0.5]]) },
      { name: `${file} + dynamic evaluation`, bitsPerChar: o.product, ksr: 0.31, acceptance: 0.47, ksrNoGate: o.productKsr, acceptanceNoGate: 0.21, curve: curve([[0, o.productKsr, 0.21], [0.4, 0.3, 0.44], [0.5, o.productBest, 0.47], [0.6, o.productBest - 0.01, 0.55]]) },
      { name: 'word completion', ksr: 0.17, acceptance: 0.2, ksrNoGate: 0.17, acceptanceNoGate: 0.2 },
      { name: 'character 6-gram', bitsPerChar: 2.49, ksr: 0.29, acceptance: 0.45, ksrNoGate: 0.33, acceptanceNoGate: 0.18, curve: curve([[0, 0.33, 0.18], [0.5, 0.29, 0.45]]) },
      { name: 'character 6-gram + cache', bitsPerChar: 1.735, ksr: 0.29, acceptance: 0.64, ksrNoGate: 0.367, acceptanceNoGate: 0.23, curve: curve([[0, 0.367, 0.23], [0.3, 0.32, 0.44], [0.4, 0.30, 0.5], [0.5, 0.29, 0.64]]) },
    ],
  };
}

describe('quality benchmark (scripts/bench-quality)', () => {
  let report: Untyped;
  let prepare: Untyped;
  let workspaces: Untyped;
  before(async () => {
    report = await load('scripts/bench-quality/report.mjs');
    prepare = await load('scripts/bench-quality/prepare.mjs');
    workspaces = await load('scripts/bench-quality/workspaces.mjs');
  });

  it('tells the product, the static model, the cached 6-gram and the baselines apart', () => {
    const r = evalResult(5, { product: 1.9, productKsr: 0.33, productBest: 0.316 });
    const c = report.classifyEngines(r, 'model-5min.safetensors');
    assert.equal(c.product.name, 'model-5min.safetensors + dynamic evaluation');
    assert.equal(c.static.name, 'model-5min.safetensors (RNN + direct connections, orders 1-8)');
    assert.equal(c.cached.name, 'character 6-gram + cache');
    assert.deepEqual(c.model.map((e: Engine) => e.name), [r.engines[0].name, r.engines[1].name]);
    assert.deepEqual(c.baselines.map((e: Engine) => e.name), ['word completion', 'character 6-gram', 'character 6-gram + cache']);
    // an engine that says it is the editor's default wins, whatever its name
    r.engines.push({ name: 'model-5min.safetensors + mixture', bitsPerChar: 1.5, default: true });
    assert.equal(report.classifyEngines(r, 'model-5min.safetensors').product.name, 'model-5min.safetensors + mixture');
    assert.equal(report.shortEngineName(r.engines[0].name, 'model-5min.safetensors'), 'RNN + direct connections, orders 1-8');
    assert.equal(report.shortEngineName(r.engines[1].name, 'model-5min.safetensors'), '+ dynamic evaluation');
  });

  it('takes the best keystroke savings among the gates with enough acceptance', () => {
    const e: Engine = { name: 'x', curve: curve([[0, 0.4, 0.2], [0.3, 0.38, 0.45], [0.5, 0.36, 0.6]]) };
    assert.deepEqual(report.bestKsrAtAcceptance(e, 0.45), { gate: 0.3, ksr: 0.38, acceptance: 0.45, shown: 100 });
    assert.equal(report.bestKsrAtAcceptance(e, 0.7), undefined);
    // no curve: the gate's and the no-gate figures are the points
    const plain: Engine = { name: 'word completion', ksr: 0.2, acceptance: 0.5, ksrNoGate: 0.25, acceptanceNoGate: 0.3 };
    assert.equal(report.bestKsrAtAcceptance(plain, 0.45, 0.5).ksr, 0.2);
  });

  it('judges the targets at 5 minutes, longer training against it, and the validation gap', () => {
    const runs = [
      { minutes: 1, train: { valBitsPerChar: 2.5 }, eval: evalResult(1, { product: 2.2, productKsr: 0.3, productBest: 0.3 }) },
      { minutes: 5, train: { valBitsPerChar: 2.1 }, eval: evalResult(5, { product: 1.7, productKsr: 0.4, productBest: 0.35, staticBpc: 2.0 }) },
      { minutes: 20, train: { valBitsPerChar: 1.9 }, eval: evalResult(20, { product: 1.65, productKsr: 0.41, productBest: 0.36 }) },
    ];
    const s = report.summarise(runs);
    assert.equal(s.minutes, 5);
    assert.equal(s.targets.bpc, true); // 1.7 < 1.735
    assert.ok(Math.abs(s.ksrNoGate.delta - 0.033) < 1e-9);
    assert.equal(s.targets.ksrNoGate, true); // 0.4 >= 0.367 + 0.03
    assert.equal(s.matched.product.ksr, 0.35); // gate 0.5, acceptance 0.47 (gate 0.4 is below 0.45)
    assert.equal(s.matched.cached.ksr, 0.30); // gate 0.4, acceptance 0.5
    assert.equal(s.targets.matched, true);
    assert.deepEqual(s.longer.map((l: { minutes: number; ok: boolean }) => [l.minutes, l.ok]), [[20, true]]);
    assert.equal(s.targets.longer, true);
    assert.ok(Math.abs(s.validation.gap - 0.05) < 1e-9); // |2.1 - 2.0| / 2.0
    assert.equal(s.targets.valGap, true);
    assert.equal(s.passed, 5);
    assert.equal(s.judged, 5);

    // worse after 20 minutes, a product that misses, and no 20-minute point
    runs[2].eval = evalResult(20, { product: 1.8, productKsr: 0.41, productBest: 0.36 });
    assert.equal(report.summarise(runs).targets.longer, false);
    runs[1].eval = evalResult(5, { product: 1.8, productKsr: 0.38, productBest: 0.31, staticBpc: 2.6 });
    const worse = report.summarise(runs.slice(0, 2));
    assert.equal(worse.targets.bpc, false);
    assert.equal(worse.targets.ksrNoGate, false); // 0.38 < 0.397
    assert.equal(worse.targets.matched, false); // 0.31 < 0.33
    assert.equal(worse.targets.longer, undefined);
    assert.equal(worse.targets.valGap, false); // |2.1 - 2.6| / 2.6 = 19%
    assert.equal(worse.judged, 4);
    assert.match(report.formatSummaryLine('w', worse), /^w \(5 min, product vs cached 6-gram\): \| bits\/char 1\.800 vs 1\.735 FAIL \|/);
    // judged at the shortest time when 5 minutes were not measured
    assert.equal(report.summarise([runs[0]]).minutes, 1);
    assert.equal(report.summarise([]), undefined);
  });

  it('prints tables as text and as Markdown, every engine, the baselines once', () => {
    const ws = {
      id: 'w', language: 'Go', source: { type: 'npm', name: 'p', version: '1.0.0' }, heldout: ['a'],
      sizes: { train: { files: 2, chars: 1000 }, heldout: { files: 1, chars: 100 }, heldoutFraction: 100 / 1100 },
      runs: [1, 5].map((m) => ({ minutes: m, train: { valBitsPerChar: 2 }, eval: evalResult(m, { product: 1.7, productKsr: 0.4, productBest: 0.35 }) })),
    };
    const md = report.formatWorkspaceTable(ws, { markdown: true }).split('\n');
    assert.equal(md.length, 2 + 2 * 2 + 3);
    assert.match(md[0], /^\| training \| engine \| bits\/char \|/);
    assert.match(md[3], /^\| 1 min \| \+ dynamic evaluation \*\*\(product\)\*\* \| 1\.700 \| 0\.400 \(0\.21\) \|/);
    assert.match(md[8], /^\| - \| character 6-gram \+ cache \| 1\.735 \|/);
    const text = report.formatWorkspaceTable(ws).split('\n');
    assert.equal(text.length, 1 + 2 * 2 + 3);
    assert.match(text[2], /^1 min +\+ dynamic evaluation \[product\] +1\.700 +0\.400 \(0\.21\) /);
    assert.match(report.formatWorkspaceHeading(ws), /^w: Go, npm p@1\.0\.0; train 1,000 chars in 2 files; held out a: 100 chars in 1 files \(9\.1%\)/);
    assert.equal(report.renderTable(['a', 'b', 'c'], [['x|y', 'z', '1']], true), '| a | b | c |\n| --- | --- | ---: |\n| x\\|y | z | 1 |');
    assert.equal(report.renderTable(['a', 'bb', 'c'], [['xyz', 'z', '10']], false), 'a    bb   c\nxyz  z   10');
    assert.match(report.formatSummaryTable([{ id: 'w', summary: report.summarise(ws.runs) }], { markdown: true }), /\| w \| 5 min \| 1\.700 vs 1\.735 PASS \|/);
  });

  it('estimates the run time from the training minutes and the eval cost', () => {
    const ws = (trainChars: number, trainMinutes: number[], evals: number) => ({ trainChars, trainMinutes, evals });
    const e = report.estimateSeconds({ workspaces: [ws(1e6, [1, 5], 2), ws(3e6, [1, 5], 2)], jobs: 1, maxChars: 30000, evalSecondsPer1kChars: 10, evalSecondsPerMTrain: 2 });
    assert.equal(e.trainSeconds, 2 * 360);
    assert.equal(e.evalSeconds, 2 * 300 * 2 + 2 * (2 + 6));
    assert.equal(e.totalSeconds, e.trainSeconds + e.evalSeconds);
    // two at a time; reused models are not trained
    const two = report.estimateSeconds({ workspaces: [ws(1e6, [1], 0), ws(1e6, [1], 0)], jobs: 2, maxChars: 1000, evalSecondsPer1kChars: 0, evalSecondsPerMTrain: 0 });
    assert.equal(two.totalSeconds, 60);
    assert.equal(report.estimateSeconds({ workspaces: [ws(1e6, [], 1)], jobs: 1, maxChars: 1000, evalSecondsPer1kChars: 5, evalSecondsPerMTrain: 0 }).totalSeconds, 5);
  });

  it('holds out whole folders only', () => {
    assert.equal(prepare.isHeldOut('lib/linter/x.js', ['lib/linter']), true);
    assert.equal(prepare.isHeldOut('lib/linter', ['lib/linter']), true);
    assert.equal(prepare.isHeldOut('lib/linter-utils/x.js', ['lib/linter']), false);
    assert.equal(prepare.isHeldOut('src/lib/linter/x.js', ['lib/linter']), false);
  });

  it('defines at least five workspaces in four languages, pinned, from allowed sources', () => {
    const list: { id: string; language: string; source: { type: string; name: string; version: string }; heldout: string[]; copy: unknown[] }[] = workspaces.WORKSPACES;
    assert.ok(list.length >= 5);
    assert.ok(new Set(list.map((w) => w.language)).size >= 4);
    assert.equal(new Set(list.map((w) => w.id)).size, list.length);
    const forbidden = /^(npm|mocha|playwright-core|@azure\/msal-.*|assemblyscript|typescript|python3-docutils|python3-pygments|python3\.\d+|libpython3.*)$/;
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'));
    const direct = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
    for (const w of list) {
      assert.ok(['npm', 'deb'].includes(w.source.type), w.id);
      assert.ok(!forbidden.test(w.source.name) && !direct.has(w.source.name), `${w.id}: ${w.source.name} is kept for other checks`);
      if (w.source.type === 'npm') assert.match(w.source.version, /^\d+\.\d+\.\d+$/, `${w.id}: an exact npm version`);
      assert.ok(w.heldout.length > 0 && w.copy.length > 0, w.id);
    }
  });
});

// The quality benchmark's pure part: which engine is which in `eval --json`, the targets, and the
// tables (plain text or Markdown). No I/O here, so that test/scripts/bench-quality.test.ts can check it.

/** The acceptance from which the "matched acceptance" comparison takes the best keystroke savings. */
export const MIN_ACCEPTANCE = 0.45;
/** The product's keystroke savings must beat the cached 6-gram's by this much (no gate, and at matched acceptance). */
export const KSR_MARGIN = 0.03;
/** The training's validation bits/char must be within this fraction of the held-out folders' bits/char. */
export const MAX_VAL_GAP = 0.15;
/** The training time, in minutes, at which the targets are judged (when measured). */
export const TARGET_MINUTES = 5;

/** `model-5min.safetensors` for 5 minutes of training. */
export const modelFileName = (minutes) => `model-${minutes}min.safetensors`;

/**
 * Sorts the engines of one `eval --json` result (of one model, with `--baselines`):
 *  - product: the editor's default, `default: true` if an engine says so, else the last engine whose name
 *    mentions dynamic evaluation or adaptation, else the static model;
 *  - static: the model itself with no adaptation (the first engine named after the model file, else the first);
 *  - cached: the character 6-gram with an online cache ('6-gram + cache');
 *  - model: every engine named after the model file (they change with the training time); baselines: the rest.
 */
export function classifyEngines(evalResult, modelFile) {
  const engines = evalResult?.engines ?? [];
  const fromModel = (e) => modelFile !== undefined && e.name.includes(modelFile);
  const model = engines.filter((e) => fromModel(e) || e.default === true);
  const baselines = engines.filter((e) => !model.includes(e));
  const adaptive = engines.filter((e) => /dynamic evaluation|adapt/i.test(e.name));
  const statics = model.filter((e) => e.default !== true && !adaptive.includes(e));
  const staticEngine = statics[0] ?? engines[0];
  const product = engines.find((e) => e.default === true) ?? adaptive[adaptive.length - 1] ?? staticEngine;
  const cached = engines.find((e) => /6-gram \+ cache/i.test(e.name));
  return { engines, model, baselines, static: staticEngine, product, cached };
}

/** The (gate, keystroke savings, acceptance) points an engine was measured at: its curve, else its gate and no gate. */
export function operatingPoints(engine, minConfidence) {
  if (!engine) return [];
  if (Array.isArray(engine.curve) && engine.curve.length > 0) return engine.curve.filter((c) => Number.isFinite(c.ksr) && Number.isFinite(c.acceptance));
  const points = [];
  if (Number.isFinite(engine.ksr) && Number.isFinite(engine.acceptance)) points.push({ gate: minConfidence, ksr: engine.ksr, acceptance: engine.acceptance, shown: engine.shown });
  if (Number.isFinite(engine.ksrNoGate) && Number.isFinite(engine.acceptanceNoGate)) points.push({ gate: 0, ksr: engine.ksrNoGate, acceptance: engine.acceptanceNoGate });
  return points;
}

/** The best keystroke savings among the engine's points whose acceptance is at least `minAcceptance` (undefined: none). */
export function bestKsrAtAcceptance(engine, minAcceptance = MIN_ACCEPTANCE, minConfidence = 0.5) {
  let best;
  for (const p of operatingPoints(engine, minConfidence)) {
    if (p.acceptance + 1e-12 < minAcceptance || p.shown === 0) continue;
    if (!best || p.ksr > best.ksr) best = p;
  }
  return best;
}

const finite = (x) => typeof x === 'number' && Number.isFinite(x);
const verdict = (ok) => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL');

/**
 * The targets of issue #11 for one workspace's runs (`[{minutes, train: {valBitsPerChar}, eval}]`), judged
 * at TARGET_MINUTES when measured, else at the shortest measured time:
 *  - bpc: the product's held-out bits/char below the cached 6-gram's;
 *  - ksrNoGate: its keystroke savings with no gate at least KSR_MARGIN above the cached 6-gram's;
 *  - matched: its best savings at acceptance >= MIN_ACCEPTANCE at least KSR_MARGIN above the cached 6-gram's
 *    (PASS when only the product reaches that acceptance);
 *  - longer: every longer measured training at least as good (bits/char no higher, savings with no gate no lower);
 *  - valGap: |validation - held-out| / held-out of the static model at most MAX_VAL_GAP.
 * A target that cannot be judged (nothing measured for it) is undefined.
 */
export function summarise(runs) {
  const done = runs.filter((r) => r.eval && !r.error).sort((a, b) => a.minutes - b.minutes);
  if (done.length === 0) return undefined;
  const at = done.find((r) => r.minutes === TARGET_MINUTES) ?? done[0];
  const pick = (r) => classifyEngines(r.eval, modelFileName(r.minutes));
  const { product, cached, static: staticEngine } = pick(at);
  const minConfidence = at.eval.minConfidence ?? 0.5;
  const s = { minutes: at.minutes, product: product?.name, cached: cached?.name, targets: {} };

  s.bitsPerChar = { product: product?.bitsPerChar, cached: cached?.bitsPerChar };
  s.targets.bpc = finite(product?.bitsPerChar) && finite(cached?.bitsPerChar) ? product.bitsPerChar < cached.bitsPerChar : undefined;

  s.ksrNoGate = { product: product?.ksrNoGate, cached: cached?.ksrNoGate };
  if (finite(product?.ksrNoGate) && finite(cached?.ksrNoGate)) {
    s.ksrNoGate.delta = product.ksrNoGate - cached.ksrNoGate;
    s.targets.ksrNoGate = s.ksrNoGate.delta >= KSR_MARGIN - 1e-12;
  }

  const bp = bestKsrAtAcceptance(product, MIN_ACCEPTANCE, minConfidence);
  const bc = bestKsrAtAcceptance(cached, MIN_ACCEPTANCE, minConfidence);
  s.matched = { product: bp, cached: bc };
  if (bp && bc) {
    s.matched.delta = bp.ksr - bc.ksr;
    s.targets.matched = s.matched.delta >= KSR_MARGIN - 1e-12;
  } else if (product && cached) {
    s.targets.matched = bp !== undefined; // only one side reaches the acceptance
  }

  s.longer = [];
  for (const r of done.filter((r) => r.minutes > at.minutes)) {
    const p = pick(r).product;
    const ok = finite(p?.bitsPerChar) && finite(product?.bitsPerChar) && finite(p?.ksrNoGate) && finite(product?.ksrNoGate)
      ? p.bitsPerChar <= product.bitsPerChar && p.ksrNoGate >= product.ksrNoGate
      : undefined;
    s.longer.push({ minutes: r.minutes, bitsPerChar: p?.bitsPerChar, ksrNoGate: p?.ksrNoGate, ok });
  }
  s.targets.longer = s.longer.length === 0 || s.longer.some((l) => l.ok === undefined) ? undefined : s.longer.every((l) => l.ok);

  const val = at.train?.valBitsPerChar;
  const held = staticEngine?.bitsPerChar;
  s.validation = { val, heldout: held };
  if (finite(val) && finite(held) && held > 0) {
    s.validation.gap = Math.abs(val - held) / held;
    s.targets.valGap = s.validation.gap <= MAX_VAL_GAP + 1e-12;
  }
  const judged = Object.values(s.targets).filter((t) => t !== undefined);
  s.passed = judged.filter(Boolean).length;
  s.judged = judged.length;
  return s;
}

// ---------------------------------------------------------------------------------------------- formatting

const f3 = (x) => (finite(x) ? x.toFixed(3) : '-');
const f2 = (x) => (finite(x) ? x.toFixed(2) : '-');
const signed = (x) => (finite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(3)}` : '-');
const pct = (x) => (finite(x) ? `${(x * 100).toFixed(1)}%` : '-');
/** `0.330 (0.21)`: keystroke savings and, in parentheses, the acceptance of the suggestions shown. */
const ksrAcc = (ksr, acc) => (finite(ksr) ? `${f3(ksr)} (${f2(acc)})` : '-');
export const formatInt = (n) => (finite(n) ? Math.round(n).toLocaleString('en-US') : '-');
export const formatMinutes = (m) => `${m} min`;
export function formatDuration(seconds) {
  if (!finite(seconds)) return '-';
  if (seconds < 90) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A table as aligned plain text (first column left, the others right) or as GitHub Markdown. */
export function renderTable(head, rows, markdown) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  if (markdown) {
    const align = head.map((_, i) => (i < 2 ? '---' : '---:'));
    return [head, align, ...rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
  }
  const widths = head.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  return [head, ...rows]
    .map((r) => r.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

/** An engine's name without the model file's name: 'model-5min.safetensors (RNN + ...)' -> 'RNN + ...'. */
export function shortEngineName(name, modelFile) {
  if (!modelFile || !name.includes(modelFile)) return name;
  const rest = name.replace(modelFile, '').trim();
  const bare = /^\((.*)\)$/.exec(rest);
  return bare ? bare[1] : rest || 'model';
}

/**
 * One table per workspace: rows are the engines at each training time (the baselines, which learn from
 * train/ whatever the training time, once at the end), with bits/char, KSR with no gate, KSR at the default
 * gate, the best KSR at acceptance >= MIN_ACCEPTANCE (each with its acceptance), and the training's own
 * validation bits/char beside the static model's held-out bits/char.
 */
export function formatWorkspaceTable(ws, { markdown = false } = {}) {
  const runs = ws.runs.filter((r) => r.eval && !r.error).sort((a, b) => a.minutes - b.minutes);
  const gate = runs[0]?.eval.minConfidence ?? 0.5;
  const head = ['training', 'engine', 'bits/char', 'KSR no gate (acc.)', `KSR gate ${gate} (acc.)`, `best KSR, acc. >= ${MIN_ACCEPTANCE} (acc.)`, 'validation bits/char'];
  const rows = [];
  const row = (time, e, name, val, minConfidence) => {
    const best = bestKsrAtAcceptance(e, MIN_ACCEPTANCE, minConfidence);
    rows.push([
      time, name, f3(e.bitsPerChar), ksrAcc(e.ksrNoGate, e.acceptanceNoGate), ksrAcc(e.ksr, e.acceptance),
      best ? `${ksrAcc(best.ksr, best.acceptance)} @${best.gate}` : '-', val,
    ]);
  };
  for (const r of runs) {
    const file = modelFileName(r.minutes);
    const c = classifyEngines(r.eval, file);
    for (const e of c.model) {
      const name = shortEngineName(e.name, file) + (e === c.product ? (markdown ? ' **(product)**' : ' [product]') : '');
      row(formatMinutes(r.minutes), e, name, e === c.static ? f3(r.train?.valBitsPerChar) : '', r.eval.minConfidence);
    }
  }
  // the baselines learn from train/ whatever the training time: once, unless their figures differ between runs
  const last = runs[runs.length - 1];
  if (last) {
    const key = (e) => JSON.stringify([e?.bitsPerChar, e?.ksrNoGate, e?.ksr, e?.curve]);
    for (const e of classifyEngines(last.eval, modelFileName(last.minutes)).baselines) {
      const same = runs.map((r) => classifyEngines(r.eval, modelFileName(r.minutes)).baselines.find((b) => b.name === e.name));
      if (same.every((b) => key(b) === key(e))) row('-', e, e.name, '', last.eval.minConfidence);
      else same.forEach((b, i) => b && row(formatMinutes(runs[i].minutes), b, b.name, '', runs[i].eval.minConfidence));
    }
  }
  for (const r of ws.runs.filter((r) => r.error)) rows.push([formatMinutes(r.minutes), `error: ${r.error.split('\n')[0]}`, '', '', '', '', '']);
  return renderTable(head, rows, markdown);
}

/** The heading of a workspace's table: what it is, its sizes and what was typed. */
export function formatWorkspaceHeading(ws) {
  const src = ws.source.type === 'npm' ? `npm ${ws.source.name}@${ws.source.version}` : `Debian ${ws.source.name} ${ws.source.version}`;
  const sizes = ws.sizes
    ? `train ${formatInt(ws.sizes.train.chars)} chars in ${formatInt(ws.sizes.train.files)} files; held out ${ws.heldout.join(', ')}: ${formatInt(ws.sizes.heldout.chars)} chars in ${formatInt(ws.sizes.heldout.files)} files (${pct(ws.sizes.heldoutFraction)})`
    : `held out ${ws.heldout.join(', ')}`;
  const typed = ws.runs.find((r) => r.eval)?.eval;
  const measured = typed ? `; measured on ${formatInt(typed.chars)} held-out chars, ${formatInt(typed.ksrChars)} typed` : '';
  return `${ws.id}: ${ws.language}, ${src}; ${sizes}${measured}`;
}

const vs = (a, b) => `${f3(a)} vs ${f3(b)}`;

/** The product after longer training against the judged time: '20 min: bits/char 1.900 vs 1.950, KSR 0.340 vs 0.330 PASS'. */
function formatLonger(s) {
  if (s.longer.length === 0) return 'n/a';
  const each = s.longer.map((l) => `${l.minutes} min: bits/char ${vs(l.bitsPerChar, s.bitsPerChar.product)}, KSR ${vs(l.ksrNoGate, s.ksrNoGate.product)}`);
  return `${each.join('; ')} ${verdict(s.targets.longer)}`;
}

/** The summary of one workspace as one line of text. */
export function formatSummaryLine(id, s) {
  if (!s) return `${id}: no result`;
  const t = s.targets;
  const longer = formatLonger(s);
  return [
    `${id} (${s.minutes} min, product vs cached 6-gram):`,
    `bits/char ${vs(s.bitsPerChar.product, s.bitsPerChar.cached)} ${verdict(t.bpc)}`,
    `KSR no gate ${vs(s.ksrNoGate.product, s.ksrNoGate.cached)} (${signed(s.ksrNoGate.delta)}) ${verdict(t.ksrNoGate)}`,
    `best KSR at acc. >= ${MIN_ACCEPTANCE} ${vs(s.matched.product?.ksr, s.matched.cached?.ksr)} (${signed(s.matched.delta)}) ${verdict(t.matched)}`,
    `longer training than ${s.minutes} min: ${longer}`,
    `validation ${vs(s.validation.val, s.validation.heldout)} held-out (gap ${pct(s.validation.gap)}) ${verdict(t.valGap)}`,
    `[${s.passed}/${s.judged} targets]`,
  ].join(' | ');
}

/** The summaries of every workspace as one table (for the README). */
export function formatSummaryTable(items, { markdown = false } = {}) {
  const head = [
    'workspace', 'training', 'bits/char: product vs cached', 'KSR no gate (delta)', `best KSR at acc. >= ${MIN_ACCEPTANCE} (delta)`,
    'longer training (product)', 'validation vs held-out (gap)', 'targets',
  ];
  const rows = items.map(({ id, summary: s }) => {
    if (!s) return [id, '-', '-', '-', '-', '-', '-', '-'];
    const t = s.targets;
    const longer = formatLonger(s);
    return [
      id, formatMinutes(s.minutes), `${vs(s.bitsPerChar.product, s.bitsPerChar.cached)} ${verdict(t.bpc)}`,
      `${vs(s.ksrNoGate.product, s.ksrNoGate.cached)} (${signed(s.ksrNoGate.delta)}) ${verdict(t.ksrNoGate)}`,
      `${vs(s.matched.product?.ksr, s.matched.cached?.ksr)} (${signed(s.matched.delta)}) ${verdict(t.matched)}`,
      longer,
      `${vs(s.validation.val, s.validation.heldout)} (${pct(s.validation.gap)}) ${verdict(t.valGap)}`,
      `${s.passed}/${s.judged}`,
    ];
  });
  return renderTable(head, rows, markdown);
}

/**
 * How long a run takes, roughly: per workspace, the minutes it trains (`trainMinutes`) plus its `evals`
 * evaluations, each costing `evalSecondsPer1kChars` per thousand characters measured and typed plus
 * `evalSecondsPerMTrain` per million training characters (the baselines learn from train/); the
 * workspaces run `jobs` at a time.
 */
export function estimateSeconds({ workspaces, jobs, maxChars, evalSecondsPer1kChars, evalSecondsPerMTrain }) {
  const each = workspaces.map((w) => ({
    train: w.trainMinutes.reduce((s, m) => s + m * 60, 0),
    eval: w.evals * ((evalSecondsPer1kChars * maxChars) / 1000 + (evalSecondsPerMTrain * w.trainChars) / 1e6),
  }));
  const train = each.reduce((s, w) => s + w.train, 0);
  const evals = each.reduce((s, w) => s + w.eval, 0);
  const longest = Math.max(0, ...each.map((w) => w.train + w.eval));
  const totalSeconds = Math.max(longest, (train + evals) / Math.max(1, Math.min(jobs, each.length)));
  const scale = train + evals > 0 ? totalSeconds / (train + evals) : 0;
  return { trainSeconds: train * scale, evalSeconds: evals * scale, totalSeconds };
}

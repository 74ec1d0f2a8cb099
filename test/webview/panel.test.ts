import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { parseFromPanel, type Activations, type LossPoint, type PanelStatus, type ToPanel } from '../../src/webview/panel-protocol';

// The training panel's webview, BUILT (dist/webview/panel.js and panel.css, from `npm run build`), in
// headless Chromium: a local server serves it in a page like the one the extension serves (same CSP, a
// nonce, VS Code's dark theme variables), with a stub of the webview API defined before the bundle runs.

// Inside page.evaluate callbacks the code runs in the page: its globals, for the compiler (this project
// has no DOM lib).
declare const window: any;
declare const document: any;
declare function requestAnimationFrame(f: () => void): number;

function findRepoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

const ROOT = findRepoRoot();
const DIST = path.join(ROOT, 'dist', 'webview');
const ARTIFACTS = path.join(ROOT, 'test', 'e2e', 'artifacts');
const SCREENSHOTS = path.join(ROOT, 'media', 'screenshots');

/** The heatmap's documented scale ends (src/webview/ui/colour-scale.ts); 0 is the editor background. */
const NEGATIVE = [37, 99, 235];
const POSITIVE = [220, 38, 38];

/** Colours of VS Code's themes used by the panel (VS Code sets them on <html>; here a stylesheet does). */
const COMMON = {
  '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': 'Menlo, Monaco, "DejaVu Sans Mono", monospace',
  '--vscode-editor-font-size': '13px',
};
const THEMES = {
  /** Dark Modern */
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      ...COMMON,
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#026ec1',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-input-background': '#313131',
      '--vscode-input-foreground': '#cccccc',
      '--vscode-input-border': '#3c3c3c',
      '--vscode-dropdown-background': '#313131',
      '--vscode-dropdown-border': '#3c3c3c',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-textCodeBlock-background': '#2b2b2b',
      '--vscode-editorHoverWidget-background': '#202020',
      '--vscode-editorHoverWidget-border': '#454545',
      '--vscode-panelTitle-activeBorder': '#0078d4',
    },
  },
  /** Light Modern */
  light: {
    bodyClass: 'vscode-light',
    vars: {
      ...COMMON,
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-input-background': '#ffffff',
      '--vscode-input-foreground': '#3b3b3b',
      '--vscode-input-border': '#cecece',
      '--vscode-dropdown-background': '#ffffff',
      '--vscode-dropdown-border': '#cecece',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-textCodeBlock-background': '#f8f8f8',
      '--vscode-editorHoverWidget-background': '#f8f8f8',
      '--vscode-editorHoverWidget-border': '#c8c8c8',
      '--vscode-panelTitle-activeBorder': '#005fb8',
    },
  },
  /** Dark High Contrast */
  hc: {
    bodyClass: 'vscode-high-contrast',
    vars: {
      ...COMMON,
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-button-background': '#000000',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-border': '#6fc3df',
      '--vscode-button-secondaryBackground': '#000000',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-focusBorder': '#f38518',
      '--vscode-input-background': '#000000',
      '--vscode-input-foreground': '#ffffff',
      '--vscode-input-border': '#6fc3df',
      '--vscode-dropdown-background': '#000000',
      '--vscode-dropdown-border': '#6fc3df',
      '--vscode-panel-border': '#6fc3df',
      '--vscode-descriptionForeground': '#ffffff',
      '--vscode-editorHoverWidget-background': '#0c141f',
      '--vscode-editorHoverWidget-border': '#6fc3df',
    },
  },
  /** Light High Contrast */
  hcLight: {
    bodyClass: 'vscode-high-contrast vscode-high-contrast-light',
    vars: {
      ...COMMON,
      '--vscode-editor-foreground': '#292929',
      '--vscode-editor-background': '#ffffff',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-button-background': '#0f4a85',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-border': '#0f4a85',
      '--vscode-contrastBorder': '#0f4a85',
      '--vscode-contrastActiveBorder': '#006bbd',
      '--vscode-focusBorder': '#006bbd',
      '--vscode-input-background': '#ffffff',
      '--vscode-input-border': '#0f4a85',
      '--vscode-panel-border': '#0f4a85',
      '--vscode-descriptionForeground': '#292929',
    },
  },
};
type ThemeName = keyof typeof THEMES;
const BACKGROUND = [0x1f, 0x1f, 0x1f];
const LOSS_COLOUR = [0x37, 0x94, 0xff];

/** Serves the panel's page; `state` is what the stub's getState returns after the next load. */
class PanelServer {
  state: unknown;
  theme: ThemeName = 'dark';
  url = '';
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const files: Record<string, [string, string]> = {
      '/panel.js': [path.join(DIST, 'panel.js'), 'text/javascript'],
      '/panel.css': [path.join(DIST, 'panel.css'), 'text/css'],
    };
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(this.page());
    } else if (url.pathname === '/theme.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end(`html { ${Object.entries(THEMES[this.theme].vars).map(([k, v]) => `${k}: ${v};`).join(' ')} }\n`);
    } else if (files[url.pathname]) {
      const [file, type] = files[url.pathname];
      res.writeHead(200, { 'content-type': type });
      res.end(fs.readFileSync(file));
    } else {
      res.writeHead(404);
      res.end();
    }
  }

  /** The page, shaped like the extension's: CSP with a nonce, the stylesheet, #app, the script. */
  private page(): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const csp = `default-src 'none'; img-src ${this.url} data:; style-src ${this.url}; script-src 'nonce-${nonce}';`;
    // JSON in a script: escape "<" so that text such as "</script>" cannot end it
    const state = JSON.stringify(this.state ?? null).replace(/</g, '\\u003c');
    const stub = `
      window.__posted = []; window.__violations = []; window.__state = ${state};
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
      const clone = (x) => (x === undefined ? undefined : JSON.parse(JSON.stringify(x)));
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__posted.push(clone(m)),
        getState: () => clone(window.__state),
        setState: (s) => { window.__state = clone(s); },
      });`;
    return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${this.url}/theme.css"><link rel="stylesheet" href="${this.url}/panel.css"><title>Char RNN</title></head>
<body class="${THEMES[this.theme].bodyClass}"><div id="app"></div><script nonce="${nonce}">${stub}</script><script nonce="${nonce}" src="${this.url}/panel.js"></script></body></html>`;
  }
}

// ---- data ----

/** A deterministic generator of numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A training run's curves: loss falling from 4.4 towards 1.2 nats/char, validation every 25 points. */
function lossHistory(n: number, charsPerPoint = 10_000): LossPoint[] {
  const rnd = random(7);
  let smooth = 4.4;
  const points: LossPoint[] = [];
  for (let k = 0; k < n; k++) {
    const charsSeen = (k + 1) * charsPerPoint;
    const target = 1.2 + 3.2 * Math.exp(-charsSeen / (n * charsPerPoint * 0.12)) + 0.15 * Math.exp(-charsSeen / (n * charsPerPoint * 0.5));
    smooth = 0.9 * smooth + 0.1 * (target + (rnd() - 0.5) * 0.3);
    const p: LossPoint = { charsSeen, step: (k + 1) * 5, loss: smooth };
    if ((k + 1) % 25 === 0) p.valBitsPerChar = (target + 0.08) / Math.LN2;
    points.push(p);
  }
  return points;
}

const TOP = { chars: ['e', ' ', 't', '(', '\n'], probs: [0.41, 0.22, 0.12, 0.08, 0.05] };

function activations(chars: string[], neurons: number, value: (t: number, i: number) => number, extra: Partial<Activations> = {}): ToPanel {
  const values = new Array<number>(chars.length * neurons);
  for (let t = 0; t < chars.length; t++) for (let i = 0; i < neurons; i++) values[t * neurons + i] = value(t, i);
  return { type: 'activations', request: 0, chars, layer: 0, layers: 2, neurons, values, top: chars.map(() => TOP), ...extra };
}

const CODE = `function add(a, b) {
  return a + b; // the sum
}

const xs = [1, 2, 3].map((x) => add(x, 10));
if (xs.length > 2) {
  console.log("three: " + xs[2]);
}
`;

/**
 * Activations that look like a trained model's: each neuron is tanh of a random mix of features of the
 * text (bracket depth, column, inside a string or a comment, letters, digits, spaces), smoothed over time.
 */
function codeActivations(text: string, neurons: number, seed = 3): ToPanel {
  const chars = [...text];
  const rnd = random(seed);
  const features: number[][] = [];
  let depth = 0;
  let col = 0;
  let inString = false;
  let inComment = false;
  for (const c of chars) {
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === '"') inString = !inString;
    if (c === '/' && !inString) inComment = true;
    features.push([depth / 2, col / 20, inString ? 1 : 0, inComment ? 1 : 0, /[a-z]/i.test(c) ? 1 : 0, /\d/.test(c) ? 1 : 0, c === ' ' ? 1 : 0, c === '\n' ? 1 : 0, 1]);
    if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    col = c === '\n' ? 0 : col + 1;
    if (c === '\n') inComment = false;
  }
  const F = features[0].length;
  const weights = Array.from({ length: neurons }, () => Array.from({ length: F }, (_, k) => (rnd() - 0.5) * (k === F - 1 ? 1 : rnd() < 0.25 ? 4 : 1.6)));
  const state = new Float64Array(neurons);
  const values: number[][] = [];
  for (let t = 0; t < chars.length; t++) {
    values.push(
      Array.from({ length: neurons }, (_, i) => {
        const u = weights[i].reduce((s, w, k) => s + w * features[t][k], 0);
        state[i] = 0.6 * state[i] + 0.4 * u;
        return Math.tanh(state[i]);
      }),
    );
  }
  const top = chars.map((_, t) => {
    const next = chars[t + 1] ?? '\n';
    const others = ['e', ' ', 't', '(', '\n', ';', 'a'].filter((c) => c !== next).slice(0, 4);
    const p = 0.35 + 0.6 * rnd();
    const rest = [0.5, 0.25, 0.15, 0.1].map((f) => (1 - p) * f * 0.9);
    return { chars: [next, ...others], probs: [p, ...rest] };
  });
  return { type: 'activations', request: 0, chars, layer: 0, layers: 2, neurons, values: values.flat(), top };
}

// ---- page helpers ----

async function frames(page: Page, n = 2): Promise<void> {
  await page.evaluate(
    (count: number) =>
      new Promise<void>((resolve) => {
        const step = (k: number) => (k === 0 ? resolve() : requestAnimationFrame(() => step(k - 1)));
        step(count);
      }),
    n,
  );
}

/** Posts messages to the panel as the extension does, then lets two frames pass. */
async function post(page: Page, ...messages: unknown[]): Promise<void> {
  await page.evaluate((ms: unknown[]) => {
    for (const m of ms) window.postMessage(m, '*');
  }, messages);
  await frames(page);
}

async function posted(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(() => window.__posted);
}

async function lastPosted(page: Page, type: string): Promise<Record<string, unknown>> {
  const all = (await posted(page)).filter((m) => m.type === type);
  assert.ok(all.length > 0, `no ${type} message was posted`);
  return all[all.length - 1];
}

async function showView(page: Page, label: string): Promise<void> {
  await page.getByRole('tab', { name: label }).click();
  await frames(page);
}

async function heatmapPixel(page: Page, col: number, row: number): Promise<number[]> {
  return page.evaluate(
    ([c, r]: number[]) => Array.from(document.querySelector('canvas.heatmap').getContext('2d').getImageData(c, r, 1, 1).data as number[]).slice(0, 3),
    [col, row],
  );
}

function assertColour(actual: number[], expected: number[], what: string, tolerance = 2): void {
  assert.ok(
    actual.every((v, k) => Math.abs(v - expected[k]) <= tolerance),
    `${what}: got rgb(${actual.join(', ')}), expected rgb(${expected.join(', ')})`,
  );
}

/**
 * Saves a screenshot among the test artifacts. The README's copies in media/screenshots are refreshed
 * only on request (CHAR_RNN_UPDATE_SCREENSHOTS=1), so that a test run leaves the working tree clean.
 */
async function screenshot(page: Page, name: string, alsoForReadme?: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `panel-${name}.png`);
  await page.screenshot({ path: file });
  if (alsoForReadme && process.env.CHAR_RNN_UPDATE_SCREENSHOTS) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(SCREENSHOTS, alsoForReadme));
  }
}

describe('training panel webview (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let context: BrowserContext;
  const server = new PanelServer();
  let pageErrors: string[] = [];
  let dialogs: string[] = [];
  let page: Page;

  async function openPanel(state?: unknown, theme: ThemeName = 'dark'): Promise<Page> {
    server.state = state;
    server.theme = theme;
    const p = await context.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    p.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await p.goto(server.url);
    await p.waitForFunction(() => window.__posted.some((m: { type: string }) => m.type === 'ready'), undefined, { timeout: 10_000 });
    await frames(p);
    return p;
  }

  before(async function () {
    for (const f of ['panel.js', 'panel.css']) {
      if (!fs.existsSync(path.join(DIST, f))) throw new Error(`${path.join(DIST, f)} is missing: run \`npm run build\` first`);
    }
    await server.start();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 900, height: 600 }, deviceScaleFactor: 1 });
  });

  after(async () => {
    await browser?.close();
    await server.close();
  });

  beforeEach(async () => {
    pageErrors = [];
    dialogs = [];
    page = await openPanel();
  });

  afterEach(async () => {
    const violations = await page.evaluate(() => window.__violations);
    await page.close();
    assert.deepEqual(pageErrors, [], 'errors in the page');
    assert.deepEqual(violations, [], 'CSP violations');
    assert.deepEqual(dialogs, [], 'dialogs opened');
  });

  it('posts ready once loaded, and builds four keyboard-operable tabs', async () => {
    const all = await posted(page);
    assert.deepEqual(all[0], { type: 'ready' });
    assert.equal(all.filter((m) => m.type === 'ready').length, 1);
    const tabs = page.getByRole('tab');
    assert.deepEqual(await tabs.allTextContents(), ['Loss', 'Hidden state', 'One neuron', 'Sample']);
    await page.getByRole('tab', { name: 'Loss' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: 'Hidden state' }).getAttribute('aria-selected'), 'true');
    assert.ok(await page.getByRole('tabpanel').isVisible());
    assert.equal(await page.locator('#panel-heatmap').isVisible(), true);
    await page.keyboard.press('End');
    assert.equal(await page.getByRole('tab', { name: 'Sample' }).getAttribute('aria-selected'), 'true');
  });

  it('draws the loss curve through its points, with hover read-outs, status, and a log scale', async () => {
    const history = lossHistory(300);
    const status: PanelStatus = { training: true, fraction: 0.45, charsPerSec: 52_300, etaSec: 192, model: { hiddenSize: 256, layers: 2, vocabSize: 97, steps: 1500 } };
    await post(page, { type: 'init', history, status } satisfies ToPanel);
    assert.equal(await page.locator('.chart').getAttribute('data-points'), '300');
    assert.equal(await page.locator('.status-speed').textContent(), '52.3k chars/s');
    assert.equal(await page.locator('.status-eta').textContent(), '3 min 12 s left');
    assert.match((await page.locator('.status-state').textContent()) ?? '', /Training 45%/);

    for (const log of [false, true]) {
      if (log) {
        await page.getByLabel('Log scale').check();
        await frames(page);
        assert.equal((await page.evaluate(() => window.__state)).logScale, true);
      }
      // hover the middle of the plot: uPlot's cursor point for the loss sits on the curve
      const over = (await page.locator('.u-over').boundingBox())!;
      await page.mouse.move(over.x + over.width * 0.55, over.y + over.height / 2);
      await frames(page);
      const legend = await page.locator('.u-legend .u-value').allTextContents();
      const index = history.findIndex((p) => p.charsSeen.toLocaleString('en-US') === legend[0]);
      assert.ok(index > 0, `the legend shows a point's characters seen: ${legend.join(' | ')}`);
      assert.equal(legend[1], history[index].loss!.toFixed(3), 'the legend shows its loss');
      const pt = (await page.locator('.u-cursor-pt').first().boundingBox())!;
      const found = await page.evaluate(
        ([cx, cy, colour]: [number, number, number[]]) => {
          const canvas = document.querySelector('.uplot canvas');
          const rect = canvas.getBoundingClientRect();
          const k = canvas.width / rect.width;
          const x0 = Math.round((cx - rect.left) * k) - 3;
          const y0 = Math.round((cy - rect.top) * k) - 3;
          const d = canvas.getContext('2d').getImageData(x0, y0, 7, 7).data;
          for (let j = 0; j < d.length; j += 4) {
            if (d[j + 3] > 100 && Math.abs(d[j] - colour[0]) < 40 && Math.abs(d[j + 1] - colour[1]) < 40 && Math.abs(d[j + 2] - colour[2]) < 40) return true;
          }
          return false;
        },
        [pt.x + pt.width / 2, pt.y + pt.height / 2, LOSS_COLOUR] as [number, number, number[]],
      );
      assert.ok(found, `a pixel of the loss colour at the hovered point (${log ? 'log' : 'linear'} scale)`);
    }
  });

  it('appends points two at a time to 10,000, drawing after each update (and prints the time)', async () => {
    const history = lossHistory(10_000, 1000);
    await post(page, { type: 'init', history: history.slice(0, 10), status: { training: true } } satisfies ToPanel);
    await post(page, { type: 'loss', points: history.slice(10) } satisfies ToPanel);
    assert.equal(await page.locator('.chart').getAttribute('data-points'), '10000');
    const first = Number(await page.locator('.chart').getAttribute('data-draw-ms'));
    // steady state: two points at a time, as while training
    const times: number[] = [];
    for (let k = 0; k < 20; k++) {
      const charsSeen = 10_000_000 + (k + 1) * 2000;
      await page.locator('.chart').evaluate((el: { removeAttribute(name: string): void }) => el.removeAttribute('data-draw-ms'));
      await post(page, { type: 'loss', points: [{ charsSeen, step: 50_000 + k, loss: 1.3 }, { charsSeen: charsSeen + 1000, step: 50_000 + k, loss: 1.29 }] } satisfies ToPanel);
      // the work: each update appends its two points and draws the chart again
      assert.equal(await page.locator('.chart').getAttribute('data-points'), String(10_000 + 2 * (k + 1)));
      const drawMs = await page.locator('.chart').getAttribute('data-draw-ms');
      assert.ok(drawMs !== null && Number.isFinite(Number(drawMs)), `update ${k} drew the chart (data-draw-ms ${drawMs})`);
      times.push(Number(drawMs));
    }
    assert.equal(await page.locator('.chart').getAttribute('data-points'), '10040');
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1];
    console.log(`      loss chart, 10,000 points: setData + draw ${first.toFixed(1)} ms; each update of 2 more points: median ${median.toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms`);
    // the times are logged; the target is no visible stutter (one 60 Hz frame, 16.7 ms), and only 10 times it fails here
    assert.ok(median < 167, `an update takes ${median} ms`);
  });

  // issue 13, kind 8: the panel says when validation rises while the training loss falls
  it('says when validation rises while the training loss falls, and which model is kept', async () => {
    const point = (step: number, loss: number, val?: number): LossPoint => ({ charsSeen: step * 1000, step, loss, valBitsPerChar: val });
    const note = page.locator('.note.memorising');
    await post(page, { type: 'init', history: [point(100, 2, 3), point(200, 1.6, 2.5), point(300, 1.4, 2.6), point(400, 1.3, 2.7)], status: { training: true } } satisfies ToPanel);
    assert.equal(await note.isHidden(), true, 'two validations above the best: not yet');
    await post(page, { type: 'loss', points: [point(500, 1.2, 2.8)] } satisfies ToPanel);
    await note.waitFor({ state: 'visible' });
    assert.equal(await note.textContent(), 'Validation has risen for 3 validations since step 200 while the training loss fell: the model is learning this workspace by heart. The best model by validation (step 200, 2.500 bits/char) is the one kept and used.');
    await post(page, { type: 'loss', points: [point(600, 1.1, 2.4)] } satisfies ToPanel);
    await note.waitFor({ state: 'hidden' });
  });

  it('exports the history as CSV and the chart as PNG', async () => {
    const history: LossPoint[] = [
      { charsSeen: 1000, step: 1, loss: 4.25 },
      { charsSeen: 2000, step: 2, loss: 3.5, valBitsPerChar: 5.125 },
      { charsSeen: 3000, step: 3, valBitsPerChar: 4.75 },
    ];
    await post(page, { type: 'init', history, status: { training: false } } satisfies ToPanel);
    // a point out of order, and one filling in a field of an earlier one
    await post(page, { type: 'loss', points: [{ charsSeen: 1500, step: 1, loss: 4 }, { charsSeen: 3000, step: 3, loss: 3.25 }] } satisfies ToPanel);
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await lastPosted(page, 'export');
    assert.deepEqual(csv, {
      type: 'export',
      format: 'csv',
      data: 'chars_seen,step,loss,val_bits_per_char\n1000,1,4.25,\n1500,1,4,\n2000,2,3.5,5.125\n3000,3,3.25,4.75\n',
    });
    assert.deepEqual(parseFromPanel(csv), csv, 'the extension accepts it');
    await page.getByRole('button', { name: 'Export PNG' }).click();
    const png = await lastPosted(page, 'export');
    assert.equal(png.format, 'png');
    assert.match(png.data as string, /^data:image\/png;base64,[A-Za-z0-9+/=]{1000,}$/);
    assert.deepEqual(parseFromPanel(png), png, 'the extension accepts it');
  });

  it('colours the heatmap on the documented scale, orders neurons, and reads out a hovered cell', async () => {
    await showView(page, 'Hidden state');
    // neuron 0: +1, 1: -1, 2: 0, 3: a ramp, 4: 0.5, 5: alternating ±1 (the most variable), 6-7: small
    const chars = [...'ab c\nd'];
    const value = (t: number, i: number) => [1, -1, 0, -1 + (2 * t) / 5, 0.5, t % 2 === 0 ? 1 : -1, 0.1 * t, -0.05 * t][i];
    await post(page, activations(chars, 8, value));
    assertColour(await heatmapPixel(page, 2, 0), POSITIVE, '+1');
    assertColour(await heatmapPixel(page, 2, 1), NEGATIVE, '-1');
    assertColour(await heatmapPixel(page, 2, 2), BACKGROUND, '0');
    const half = POSITIVE.map((p, k) => Math.round(BACKGROUND[k] + 0.5 * (p - BACKGROUND[k])));
    assertColour(await heatmapPixel(page, 0, 4), half, '+0.5', 3);

    // hover the cell of neuron 1, character 4 ('c')
    const box = (await page.locator('canvas.heatmap').boundingBox())!;
    const cellW = box.width / chars.length;
    const cellH = box.height / 8;
    await page.mouse.move(box.x + 3.5 * cellW, box.y + 1.5 * cellH);
    const tip = page.locator('.tooltip');
    assert.equal(await tip.textContent(), 'Neuron 1 · ‘c’ (character 4 of 6) · −1.000');
    await page.mouse.move(box.x + 2.5 * cellW, box.y + 0.5 * cellH);
    assert.equal(await tip.textContent(), 'Neuron 0 · ‘·’ (character 3 of 6) · +1.000', 'a space shows as ·');
    // the characters along the axis are drawn
    const inked = await page.evaluate(() => {
      const c = document.querySelector('canvas.heatmap-axis');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let j = 0; j < d.length; j += 4) if (d[j] > 120) n++;
      return n;
    });
    assert.ok(inked > 20, 'the axis has its characters');

    // by variance: neuron 5 first (alternating +1, -1)
    await page.getByLabel('Order').selectOption('variance');
    await frames(page);
    assertColour(await heatmapPixel(page, 0, 0), POSITIVE, 'row 0 by variance, t = 0');
    assertColour(await heatmapPixel(page, 1, 0), NEGATIVE, 'row 0 by variance, t = 1');
    // clustered: a permutation of the rows (the constant neurons 0, 1, 2, 4 keep their colours somewhere)
    await page.getByLabel('Order').selectOption('clustered');
    await frames(page);
    const column = await Promise.all(Array.from({ length: 8 }, (_, r) => heatmapPixel(page, 2, r)));
    for (const [colour, what] of [[POSITIVE, '+1'], [NEGATIVE, '-1'], [BACKGROUND, '0']] as const) {
      assert.ok(column.some((c) => c.every((v, k) => Math.abs(v - colour[k]) <= 2)), `a ${what} row when clustered`);
    }
    assert.equal((await page.evaluate(() => window.__state)).ordering, 'clustered');
  });

  it('renders 512 neurons × 400 characters in every ordering (and prints the time)', async () => {
    await showView(page, 'Hidden state');
    const text = CODE.repeat(3).slice(0, 400);
    const message = codeActivations(text, 512);
    const results: string[] = [];
    for (const ordering of ['index', 'variance', 'clustered']) {
      await page.getByLabel('Order').selectOption(ordering);
      await frames(page);
      // a new object each time: the panel orders and draws again
      const { handleMs, renderMs } = await page.evaluate(async (m: object) => {
        const t0 = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: { ...m } }));
        const handle = performance.now() - t0;
        await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
        return { handleMs: handle, renderMs: Number(document.querySelector('canvas.heatmap').dataset.renderMs) };
      }, message);
      assert.equal(await page.locator('canvas.heatmap').evaluate((c: { width: number; height: number }) => `${c.width}x${c.height}`), '400x512');
      results.push(`${ordering}: ${(handleMs + renderMs).toFixed(1)} ms (checking the message ${handleMs.toFixed(1)} + ordering and drawing ${renderMs.toFixed(1)})`);
      // the target is 100 ms (README, "Speed and memory"); only 10 times it fails here
      assert.ok(handleMs + renderMs < 1000, `${ordering}: ${handleMs + renderMs} ms`);
    }
    console.log(`      heatmap 512 × 400: ${results.join('; ')}`);
  });

  it('opens a neuron from the heatmap (click or Enter) and colours the text by it, with the next-character guesses', async () => {
    await showView(page, 'Hidden state');
    const chars = [...'if (x)\n  y'];
    const value = (t: number, i: number) => (i === 1 ? -1 : i === 2 ? (t % 2 === 0 ? 1 : 0) : 0.2);
    await post(page, activations(chars, 4, value));
    const box = (await page.locator('canvas.heatmap').boundingBox())!;
    await page.mouse.click(box.x + 5, box.y + 1.5 * (box.height / 4));
    await frames(page);
    assert.equal(await page.getByRole('tab', { name: 'One neuron' }).getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('#neuron-index').inputValue(), '1');
    const spans = page.locator('.neuron-text span');
    assert.equal(await spans.count(), chars.length);
    assert.equal(await page.locator('.neuron-text').textContent(), 'if (x)⏎\n  y');
    assert.equal(await spans.nth(0).evaluate((s: { style: { backgroundColor: string } }) => s.style.backgroundColor), `rgb(${NEGATIVE.join(', ')})`);
    await spans.nth(3).hover();
    const rows = await page.locator('table.guesses tbody tr').allTextContents();
    assert.deepEqual(rows, ['e41.0%', '·22.0%', 't12.0%', '(8.0%', '⏎5.0%']);
    assert.match((await page.locator('.neuron-detail p').first().textContent()) ?? '', /After ‘\(’ \(character 4 of 10\): activation −1\.000/);
    assert.match((await spans.nth(3).getAttribute('title')) ?? '', /next: ‘e’ 41\.0%/);

    // the keyboard: focus the map (its cursor is on the clicked cell, neuron 1), move down, Enter
    await showView(page, 'Hidden state');
    await page.locator('canvas.heatmap').focus();
    assert.match((await page.locator('.readout').textContent()) ?? '', /^Neuron 1 · ‘i’/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await frames(page);
    assert.equal(await page.locator('#neuron-index').inputValue(), '2');
    assert.equal(await spans.nth(0).evaluate((s: { style: { backgroundColor: string } }) => s.style.backgroundColor), `rgb(${POSITIVE.join(', ')})`);
    // and in the text, arrows read the guesses
    await page.locator('.neuron-text').focus();
    await page.keyboard.press('End');
    assert.match((await page.locator('.neuron-detail p').first().textContent()) ?? '', /character 10 of 10/);
    assert.equal((await page.evaluate(() => window.__state)).neuron, 2);
  });

  it('shows hostile workspace text as text everywhere', async () => {
    const hostile = '<img src=x onerror=alert(1)></script>';
    await showView(page, 'Hidden state');
    await post(page, activations([...hostile], 3, (_t, i) => (i === 0 ? 1 : -0.5)));
    const box = (await page.locator('canvas.heatmap').boundingBox())!;
    await page.mouse.move(box.x + 5, box.y + 2);
    assert.equal(await page.locator('.tooltip').textContent(), 'Neuron 0 · ‘<’ (character 1 of 37) · +1.000');
    await page.mouse.click(box.x + 5, box.y + 2);
    await frames(page);
    assert.equal(await page.locator('.neuron-text').textContent(), hostile);
    await post(page, { type: 'error', message: hostile } satisfies ToPanel);
    assert.equal(await page.getByRole('alert').textContent(), hostile);
    await page.getByRole('button', { name: 'Dismiss' }).click();
    assert.equal(await page.getByRole('alert').isVisible(), false);
    await showView(page, 'Sample');
    await page.getByRole('button', { name: 'Generate' }).click();
    const { request } = await lastPosted(page, 'sample');
    await post(page, { type: 'sample', request: request as number, text: hostile, done: false } satisfies ToPanel, { type: 'sample', request: request as number, text: '"><script>alert(2)</script>', done: true } satisfies ToPanel);
    assert.equal(await page.locator('.sample-text').textContent(), `${hostile}"><script>alert(2)</script>`);
    // restored from the state after a reload too
    const state = await page.evaluate(() => window.__state);
    const again = await openPanel(state);
    await again.getByRole('tab', { name: 'One neuron' }).click();
    await frames(again);
    assert.equal(await again.locator('.neuron-text').textContent(), hostile);
    for (const p of [page, again]) {
      assert.equal(await p.evaluate(() => document.querySelectorAll('img, #app script, iframe').length), 0, 'no element made from the text');
    }
    await again.close();
  });

  it('asks for activations of the editor text or typed text, in the chosen layer', async () => {
    await showView(page, 'Hidden state');
    await post(page, { type: 'status', status: { training: false, model: { hiddenSize: 64, layers: 3, vocabSize: 80, steps: 10 } } } satisfies ToPanel);
    assert.deepEqual(await page.locator('#heatmap-layer option').allTextContents(), ['0', '1', '2']);
    await page.getByRole('button', { name: 'Use editor text' }).click();
    const editor = await lastPosted(page, 'activations');
    assert.deepEqual(editor, { type: 'activations', request: editor.request, source: 'editor', layer: 0 });
    assert.ok(Number.isInteger(editor.request));
    assert.deepEqual(parseFromPanel(editor), { ...editor, text: undefined });
    await page.getByLabel('Text to show').fill('let x = 1;');
    await page.getByRole('button', { name: 'Show for this text' }).click();
    const typed = await lastPosted(page, 'activations');
    assert.deepEqual(typed, { type: 'activations', request: (editor.request as number) + 1, source: 'text', text: 'let x = 1;', layer: 0 });
    assert.deepEqual(parseFromPanel(typed), typed);
    // another layer asks again for the same text
    await page.getByLabel('Layer').selectOption('2');
    const relayered = await lastPosted(page, 'activations');
    assert.deepEqual(relayered, { type: 'activations', request: (editor.request as number) + 2, source: 'text', text: 'let x = 1;', layer: 2 });
    // an answer to an older request is dropped; the latest one is shown
    await post(page, activations(['a'], 2, () => 1, { request: typed.request as number, layer: 0 }));
    assert.equal(await page.locator('canvas.heatmap').isVisible(), false);
    await post(page, activations(['a', 'b'], 2, () => 1, { request: relayered.request as number, layer: 2, layers: 3 }));
    assert.equal(await page.locator('canvas.heatmap').evaluate((c: { width: number }) => c.width), 2);
    assert.equal(await page.locator('#heatmap-layer').inputValue(), '2');
    // a new model with fewer layers: the selected layer stays within them
    await post(page, { type: 'status', status: { training: false, model: { hiddenSize: 64, layers: 1, vocabSize: 80, steps: 0 } } } satisfies ToPanel);
    assert.deepEqual(await page.locator('#heatmap-layer option').allTextContents(), ['0']);
    assert.equal((await page.evaluate(() => window.__state)).layer, 0);
  });

  it('generates a sample: Generate posts the request, the chunks stream in, Stop posts stopSample', async () => {
    await showView(page, 'Sample');
    await page.getByLabel('Prompt').fill('def ');
    await page.getByLabel('Length').fill('50');
    await page.getByLabel('Temperature').fill('0.7');
    await page.getByRole('button', { name: 'Generate' }).click();
    const req = await lastPosted(page, 'sample');
    assert.deepEqual(req, { type: 'sample', request: req.request, prompt: 'def ', length: 50, temperature: 0.7 });
    assert.deepEqual(parseFromPanel(req), req, 'the extension accepts it');
    assert.equal(await page.getByRole('button', { name: 'Generate' }).isDisabled(), true);
    const request = req.request as number;
    await post(page, { type: 'sample', request, text: 'foo', done: false } satisfies ToPanel);
    await post(page, { type: 'sample', request: request + 99, text: 'NOT OURS', done: false } satisfies ToPanel);
    await post(page, { type: 'sample', request, text: '(x):\n', done: false } satisfies ToPanel);
    assert.equal(await page.locator('.sample-output').textContent(), 'def foo(x):\n');
    await page.getByRole('button', { name: 'Stop' }).click();
    assert.deepEqual(await lastPosted(page, 'stopSample'), { type: 'stopSample' });
    await post(page, { type: 'sample', request, text: '  return', done: true } satisfies ToPanel);
    assert.equal(await page.locator('.sample-text').textContent(), 'foo(x):\n  return');
    assert.equal(await page.getByRole('button', { name: 'Generate' }).isDisabled(), false);
    // out-of-range settings are clamped to what the extension accepts
    await page.getByLabel('Length').fill('999999');
    await page.getByLabel('Temperature').fill('9');
    await page.getByRole('button', { name: 'Generate' }).click();
    const clamped = await lastPosted(page, 'sample');
    assert.deepEqual(parseFromPanel(clamped), clamped);
    assert.equal(clamped.length, 2000);
    assert.equal(clamped.temperature, 2);
    // 0 is greedy, as in the CLI and the settings (issue 13, kind 7)
    await post(page, { type: 'sample', request: clamped.request as number, text: '', done: true } satisfies ToPanel);
    await page.getByLabel('Temperature').fill('0');
    await page.getByRole('button', { name: 'Generate' }).click();
    const greedy = await lastPosted(page, 'sample');
    assert.deepEqual(parseFromPanel(greedy), greedy);
    assert.equal(greedy.temperature, 0);
  });

  it('ignores malformed messages', async () => {
    await showView(page, 'Hidden state');
    const good = activations(['a', 'b'], 2, () => 0.5);
    await post(
      page,
      null,
      'init',
      42,
      { type: 'nope' },
      { type: 'init' },
      { type: 'init', history: 'x', status: { training: true } },
      { type: 'loss', points: [{ charsSeen: 'a', step: 1, loss: 1 }, null, { charsSeen: 5, step: 1 }] },
      { ...good, values: [0.5, 0.5, 0.5] },
      { ...good, values: [0.5, 0.5, 0.5, 'x'] },
      { ...good, chars: ['ab', 'c'] },
      { ...good, top: [] },
      { ...good, neurons: 1e9 },
      { ...good, layer: 5 },
      { type: 'sample', request: 1, text: 5, done: false },
      { type: 'error', message: { toString: 'x' } },
      { type: 'status', status: { training: 'yes' } },
    );
    assert.equal(await page.locator('canvas.heatmap').isVisible(), false, 'no malformed activations shown');
    assert.equal(await page.getByRole('alert').isVisible(), false);
    await showView(page, 'Loss');
    assert.equal(await page.locator('.chart').getAttribute('data-points'), '0');
    // the panel still works
    await post(page, { type: 'loss', points: [{ charsSeen: 5, step: 1, loss: 2 }, { charsSeen: 6, step: 1, loss: 'x' }, { charsSeen: 7, step: 2, loss: 1.9 }] });
    assert.equal(await page.locator('.chart').getAttribute('data-points'), '2');
    await showView(page, 'Hidden state');
    await post(page, good);
    assert.equal(await page.locator('canvas.heatmap').isVisible(), true);
  });

  it('saves its state and restores it after a reload', async () => {
    await showView(page, 'Hidden state');
    await post(page, codeActivations(CODE, 64));
    await page.getByLabel('Order').selectOption('variance');
    await page.getByLabel('Text to show').fill('typed');
    await frames(page);
    const box = (await page.locator('canvas.heatmap').boundingBox())!;
    await page.mouse.click(box.x + 20, box.y + 3 * (box.height / 64) + 2);
    await frames(page);
    const neuron = Number(await page.locator('#neuron-index').inputValue());
    await showView(page, 'Loss');
    await page.getByLabel('Log scale').check();
    await showView(page, 'Sample');
    await page.getByLabel('Prompt').fill('class ');
    await page.getByLabel('Length').fill('321');
    await page.getByLabel('Temperature').fill('1.25');
    await showView(page, 'Hidden state');
    const before = await heatmapPixel(page, 10, 5);
    await frames(page);
    const state = await page.evaluate(() => window.__state);
    assert.equal(state.view, 'heatmap');
    assert.equal(state.ordering, 'variance');
    assert.equal(state.neuron, neuron);
    assert.equal(JSON.stringify(state).includes('history'), false, 'the loss history is not saved');

    const again = await openPanel(state);
    assert.equal(await again.getByRole('tab', { name: 'Hidden state' }).getAttribute('aria-selected'), 'true');
    assert.equal(await again.getByLabel('Order').inputValue(), 'variance');
    assert.equal(await again.getByLabel('Text to show').inputValue(), 'typed');
    assertColour(await heatmapPixel(again, 10, 5), before, 'the restored heatmap', 0);
    await again.getByRole('tab', { name: 'One neuron' }).click();
    await frames(again);
    assert.equal(await again.locator('#neuron-index').inputValue(), String(neuron));
    assert.equal(await again.locator('.neuron-text span').count(), [...CODE].length);
    assert.equal(await again.getByLabel('Log scale').isChecked(), true);
    assert.equal(await again.getByLabel('Prompt').inputValue(), 'class ');
    assert.equal(await again.getByLabel('Length').inputValue(), '321');
    assert.equal(await again.getByLabel('Temperature').inputValue(), '1.25');
    // request numbers go on from where they were
    await again.getByRole('tab', { name: 'Hidden state' }).click();
    await again.getByRole('button', { name: 'Use editor text' }).click();
    assert.ok(((await lastPosted(again, 'activations')).request as number) >= state.nextRequest - 1);
    await again.close();
  });

  it('does no drawing while hidden, and catches up when shown', async () => {
    await post(page, { type: 'init', history: lossHistory(10), status: { training: true } } satisfies ToPanel);
    assert.equal(await page.locator('.chart').getAttribute('data-points'), '10');
    const setHidden = (hidden: boolean) =>
      page.evaluate((h: boolean) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await post(page, { type: 'loss', points: lossHistory(20).slice(10) } satisfies ToPanel);
    await frames(page, 4);
    assert.equal(await page.locator('.chart').getAttribute('data-points'), '10', 'not drawn while hidden');
    await setHidden(false);
    await frames(page);
    assert.equal(await page.locator('.chart').getAttribute('data-points'), '20', 'drawn once visible');
  });

  it('looks right: a screenshot of each view', async () => {
    await post(page, {
      type: 'init',
      history: lossHistory(3000, 10_000),
      status: { training: true, fraction: 0.62, charsPerSec: 48_700, etaSec: 228, model: { hiddenSize: 256, layers: 2, vocabSize: 97, steps: 15_000 } },
    } satisfies ToPanel);
    const over = (await page.locator('.u-over').boundingBox())!;
    await page.mouse.move(over.x + over.width * 0.3, over.y + over.height * 0.6);
    await frames(page);
    await screenshot(page, 'chart', 'panel-chart.png');

    await showView(page, 'Hidden state');
    await post(page, codeActivations(CODE, 128));
    await page.getByLabel('Order').selectOption('clustered');
    await frames(page);
    const box = (await page.locator('canvas.heatmap').boundingBox())!;
    await page.mouse.move(box.x + 14 * 11 + 5, box.y + 40 * 6 + 3);
    await frames(page);
    await screenshot(page, 'heatmap', 'panel-heatmap.png');

    await page.mouse.click(box.x + 14 * 11 + 5, box.y + 20 * 6 + 3);
    await frames(page);
    await page.locator('.neuron-text span').nth(24).hover();
    await frames(page);
    await screenshot(page, 'neuron');

    await showView(page, 'Sample');
    await page.getByLabel('Prompt').fill('function ');
    await page.getByRole('button', { name: 'Generate' }).click();
    const request = (await lastPosted(page, 'sample')).request as number;
    for (const text of ['parse(text, ', 'options) {\n  const lines = text.split("\\n");\n', '  for (const line of lines) {\n    if (line.length > 0) ', 'result.push(line.trim());\n  }\n  return result;\n}\n']) {
      await post(page, { type: 'sample', request, text, done: false } satisfies ToPanel);
    }
    await post(page, { type: 'sample', request, text: '', done: true } satisfies ToPanel);
    await screenshot(page, 'sample');
    for (const name of ['chart', 'heatmap', 'neuron', 'sample']) assert.ok(fs.statSync(path.join(ARTIFACTS, `panel-${name}.png`)).size > 5000);
  });
  it('follows the light and high-contrast themes', async () => {
    for (const theme of ['light', 'hc', 'hcLight'] as const) {
      const p = await openPanel(undefined, theme);
      await post(p, { type: 'init', history: lossHistory(400), status: { training: false, model: { hiddenSize: 128, layers: 1, vocabSize: 90, steps: 2000 } } } satisfies ToPanel);
      await screenshot(p, `chart-${theme}`);
      await p.getByRole('tab', { name: 'Hidden state' }).click();
      await post(p, codeActivations(CODE, 128));
      // 0 is the theme's background; the ends stay the documented colours
      const background = THEMES[theme].vars['--vscode-editor-background'].match(/[0-9a-f]{2}/g)!.map((h) => parseInt(h, 16));
      await post(p, activations(['a', 'b'], 3, (_t, i) => [1, -1, 0][i]));
      assertColour(await heatmapPixel(p, 0, 0), POSITIVE, `+1 in ${theme}`);
      assertColour(await heatmapPixel(p, 0, 1), NEGATIVE, `-1 in ${theme}`);
      assertColour(await heatmapPixel(p, 0, 2), background, `0 in ${theme}`);
      await post(p, codeActivations(CODE, 128));
      await screenshot(p, `heatmap-${theme}`);
      await p.close();
    }
  });
});

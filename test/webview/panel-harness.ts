/**
 * The harness of the training panel's tests (panel-*.test.ts): the panel's webview, BUILT
 * (dist/webview/panel.js and panel.css, from `npm run build`), in headless Chromium. A local server
 * serves it in a page like the one the extension serves (same CSP, a nonce, VS Code's theme variables),
 * with a stub of the webview API defined before the bundle runs; `usePanel()` gives each test a fresh
 * panel and checks it for page errors, CSP violations and dialogs afterwards.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '../helpers/repo';

// Inside page.evaluate callbacks the code runs in the page: its globals, for the compiler (this project
// has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any -- the page's own globals, untyped here */
declare const window: any;
declare const document: any;
/* eslint-enable @typescript-eslint/no-explicit-any */
declare function requestAnimationFrame(f: () => void): number;


const ROOT = repoRoot();
const DIST = path.join(ROOT, 'dist', 'webview');
export const ARTIFACTS = path.join(ROOT, 'test', 'e2e', 'artifacts');
const SCREENSHOTS = path.join(ROOT, 'media', 'screenshots');

/** The heatmap's documented scale ends (src/webview/ui/colour-scale.ts); 0 is the editor background. */
export const NEGATIVE = [37, 99, 235];
export const POSITIVE = [220, 38, 38];

/** Colours of VS Code's themes used by the panel (VS Code sets them on <html>; here a stylesheet does). */
const COMMON = {
  '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': 'Menlo, Monaco, "DejaVu Sans Mono", monospace',
  '--vscode-editor-font-size': '13px',
};
export const THEMES = {
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
export const BACKGROUND = [0x1f, 0x1f, 0x1f];
export const LOSS_COLOUR = [0x37, 0x94, 0xff];

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

// ---- page helpers ----

export async function frames(page: Page, n = 2): Promise<void> {
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
export async function post(page: Page, ...messages: unknown[]): Promise<void> {
  await page.evaluate((ms: unknown[]) => {
    for (const m of ms) window.postMessage(m, '*');
  }, messages);
  await frames(page);
}

export async function posted(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(() => window.__posted);
}

export async function lastPosted(page: Page, type: string): Promise<Record<string, unknown>> {
  const all = (await posted(page)).filter((m) => m.type === type);
  assert.ok(all.length > 0, `no ${type} message was posted`);
  return all[all.length - 1];
}

export async function showView(page: Page, label: string): Promise<void> {
  await page.getByRole('tab', { name: label }).click();
  await frames(page);
}

export async function heatmapPixel(page: Page, col: number, row: number): Promise<number[]> {
  return page.evaluate(
    ([c, r]: number[]) => Array.from(document.querySelector('canvas.heatmap').getContext('2d').getImageData(c, r, 1, 1).data as number[]).slice(0, 3),
    [col, row],
  );
}

export function assertColour(actual: number[], expected: number[], what: string, tolerance = 2): void {
  assert.ok(
    actual.every((v, k) => Math.abs(v - expected[k]) <= tolerance),
    `${what}: got rgb(${actual.join(', ')}), expected rgb(${expected.join(', ')})`,
  );
}

/**
 * Saves a screenshot among the test artifacts. The README's copies in media/screenshots are refreshed
 * only on request (CHAR_RNN_UPDATE_SCREENSHOTS=1), so that a test run leaves the working tree clean.
 */
export async function screenshot(page: Page, name: string, alsoForReadme?: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `panel-${name}.png`);
  await page.screenshot({ path: file });
  if (alsoForReadme && process.env.CHAR_RNN_UPDATE_SCREENSHOTS) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(SCREENSHOTS, alsoForReadme));
  }
}

// ---- the fixture ----

/** What a describe block of panel tests gets from `usePanel()`. */
export interface PanelFixture {
  /** the panel opened for the current test */
  readonly page: Page;
  /** opens another panel, with `state` as what its getState returns, in `theme` */
  openPanel(state?: unknown, theme?: ThemeName): Promise<Page>;
}

/**
 * Registers the hooks of a describe block of panel tests: the server and Chromium start once, each test
 * gets a fresh panel, and after each test its page must have had no errors, CSP violations or dialogs.
 */
export function usePanel(): PanelFixture {
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

  return {
    get page() {
      return page;
    },
    openPanel,
  };
}

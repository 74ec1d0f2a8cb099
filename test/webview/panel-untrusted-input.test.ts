/**
 * The training panel and untrusted input: workspace text that looks like markup stays text
 * everywhere, and malformed messages are ignored.
 * The panel runs in headless Chromium (panel-harness.ts).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ToPanel } from '../../src/webview/panel-protocol';
import { activations } from './panel-data';
import { frames, lastPosted, post, showView, usePanel } from './panel-harness';

// Inside page.evaluate callbacks the code runs in the page: its globals, for the compiler (this project
// has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any -- the page's own globals, untyped here */
declare const window: any;
declare const document: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

describe('training panel webview (headless Chromium)', function () {
  this.timeout(60_000);
  const panel = usePanel();
  const openPanel = panel.openPanel;
  let page: Page;
  beforeEach(() => {
    page = panel.page;
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
});

/**
 * The training panel's life cycle in its webview: it posts ready once loaded and builds its tabs,
 * saves its state and restores it after a reload, and draws nothing while hidden.
 * The panel runs in headless Chromium (panel-harness.ts).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ToPanel } from '../../src/webview/panel-protocol';
import { CODE, codeActivations, lossHistory } from './panel-data';
import { assertColour, frames, heatmapPixel, lastPosted, post, posted, showView, usePanel } from './panel-harness';

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
});

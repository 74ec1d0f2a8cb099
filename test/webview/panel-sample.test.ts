/**
 * The training panel's sample view: requests, streamed chunks, Stop, and settings clamped to
 * what the extension accepts.
 * The panel runs in headless Chromium (panel-harness.ts).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { parseFromPanel, type ToPanel } from '../../src/webview/panel-protocol';
import { lastPosted, post, showView, usePanel } from './panel-harness';

describe('training panel webview (headless Chromium)', function () {
  this.timeout(60_000);
  const panel = usePanel();
  let page: Page;
  beforeEach(() => {
    page = panel.page;
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
});

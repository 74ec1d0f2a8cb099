/**
 * The training panel's hidden-state views: the heatmap's colours, orderings and read-outs, its
 * speed, the requests for activations, and one neuron opened from it.
 * The panel runs in headless Chromium (panel-harness.ts).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { parseFromPanel, type ToPanel } from '../../src/webview/panel-protocol';
import { activations, CODE, codeActivations } from './panel-data';
import { assertColour, BACKGROUND, frames, heatmapPixel, lastPosted, NEGATIVE, POSITIVE, post, showView, usePanel } from './panel-harness';

// Inside page.evaluate callbacks the code runs in the page: its globals, for the compiler (this project
// has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any -- the page's own globals, untyped here */
declare const window: any;
declare const document: any;
/* eslint-enable @typescript-eslint/no-explicit-any */
declare function requestAnimationFrame(f: () => void): number;

describe('training panel webview (headless Chromium)', function () {
  this.timeout(60_000);
  const panel = usePanel();
  let page: Page;
  beforeEach(() => {
    page = panel.page;
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
});

/**
 * How the training panel looks: a screenshot of each view (the README's, on request), and the
 * light and high-contrast themes.
 * The panel runs in headless Chromium (panel-harness.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { ToPanel } from '../../src/webview/panel-protocol';
import { activations, CODE, codeActivations, lossHistory } from './panel-data';
import { ARTIFACTS, assertColour, frames, heatmapPixel, lastPosted, NEGATIVE, POSITIVE, post, screenshot, showView, THEMES, usePanel } from './panel-harness';

describe('training panel webview (headless Chromium)', function () {
  this.timeout(60_000);
  const panel = usePanel();
  const openPanel = panel.openPanel;
  let page: Page;
  beforeEach(() => {
    page = panel.page;
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

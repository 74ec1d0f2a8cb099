/**
 * The training panel's loss chart: the curves, hover read-outs and status, many points appended
 * as they come, the note when validation rises while the training loss falls, and the CSV and PNG exports.
 * The panel runs in headless Chromium (panel-harness.ts).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { parseFromPanel, type LossPoint, type PanelStatus, type ToPanel } from '../../src/webview/panel-protocol';
import { lossHistory } from './panel-data';
import { frames, lastPosted, LOSS_COLOUR, post, usePanel } from './panel-harness';

// Inside page.evaluate callbacks the code runs in the page: its globals, for the compiler (this project
// has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any -- the page's own globals, untyped here */
declare const window: any;
declare const document: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

describe('training panel webview (headless Chromium)', function () {
  this.timeout(60_000);
  const panel = usePanel();
  let page: Page;
  beforeEach(() => {
    page = panel.page;
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
});

// The browser half of the training panel test (see test/e2e/suite/panel.test.ts): finds the panel's
// webview, checks that the loss chart draws while training, then asks for the heatmap of the editor's
// text and checks it draws. Screenshots: test/e2e/artifacts/panel-*.png.
//   MOCHA_GREP='training panel' node test/e2e/runner.mjs --mode dev --ui test/e2e/ui/panel.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitForFile } from './helpers.mjs';

/** The panel's document: VS Code nests a webview's page in an iframe inside an iframe. */
async function panelFrame(page, timeoutMs = 30_000) {
  const t0 = Date.now();
  for (;;) {
    for (const frame of page.frames()) {
      if (await frame.locator('#tab-chart').count().catch(() => 0)) return frame;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error('the training panel\'s webview did not appear');
    await page.waitForTimeout(250);
  }
}

/** Counts pixels of a canvas that differ from its top-left (background) pixel. */
async function drawnPixels(frame, selector) {
  return frame.evaluate((sel) => {
    let n = 0;
    for (const canvas of document.querySelectorAll(sel)) {
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2])) n++;
    }
    return n;
  }, selector);
}

/** @param {{ page: import('playwright-core').Page, workspace: string, screenshot: (name: string) => Promise<void>, log: (line: string) => void }} ui */
export default async function ({ page, workspace, screenshot, log }) {
  const dir = path.join(workspace, '.e2e');
  const result = { chartPixels: 0, heatmapText: '', error: undefined };
  try {
    await waitForFile(path.join(dir, 'panel-training.json'), 120_000);
    const frame = await panelFrame(page);
    await frame.locator('#tab-chart').click();
    const t0 = Date.now();
    while (result.chartPixels <= 50 && Date.now() - t0 < 30_000) {
      await page.waitForTimeout(500);
      result.chartPixels = await drawnPixels(frame, '#panel-chart canvas');
    }
    log(`loss chart while training: ${result.chartPixels} pixels drawn`);
    await screenshot('panel-chart');
    await waitForFile(path.join(dir, 'panel-trained.json'), 120_000);
    await frame.locator('#tab-heatmap').click();
    await frame.locator('button[data-action="editor-text"]').click();
    const heatmap = frame.locator('#panel-heatmap canvas.heatmap[aria-label*="neurons by"]');
    await heatmap.waitFor({ timeout: 20_000 });
    result.heatmapText = (await heatmap.getAttribute('aria-label')) ?? '';
    const heat = await drawnPixels(frame, '#panel-heatmap canvas.heatmap');
    log(`heatmap: "${result.heatmapText}", ${heat} coloured pixels`);
    if (heat < 100) throw new Error(`the heatmap drew only ${heat} pixels`);
    await screenshot('panel-heatmap');
  } catch (e) {
    result.error = String(e?.message ?? e);
    throw e;
  } finally {
    fs.writeFileSync(path.join(dir, 'panel-result.json'), JSON.stringify(result));
  }
}

import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM_INSTALL, findChromium, inspectReport, launchChromium, openReport } from '../reports/render/chromium.js';
import { runCli } from './helpers/run-cli.js';

// The reports as a user gets them: made by the CLI, opened from disk in headless Chromium.
// `npm ci` installs Debian's chromium where it can; without one these cases skip, saying so.
const chromium = findChromium();
if (!chromium) console.log(`report browser tests skipped: no Chromium (${CHROMIUM_INSTALL})`);

const PERF_INPUTS = ['reports/perf/bench-gpu-passing4.json', 'reports/onnx-webgpu/bench-onnx.json'];

/** Variance of the luminance of a PNG's pixels, decoded by the browser (a data URL: no taint). */
async function pixelVariance(browser: Browser, png: string): Promise<number> {
  const page = await browser.newPage();
  try {
    await page.setContent(`<img id="i" src="data:image/png;base64,${readFileSync(png).toString('base64')}">`);
    return (await page.evaluate(`new Promise((done) => {
      const img = document.getElementById('i');
      const measure = () => {
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        const ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0, sq = 0, n = d.length / 4;
        for (let i = 0; i < d.length; i += 4) { const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]; sum += y; sq += y * y; }
        done(sq / n - (sum / n) ** 2);
      };
      img.complete ? measure() : img.onload = measure;
    })`)) as number;
  } finally {
    await page.close();
  }
}

describe.skipIf(!chromium)('reports in a real browser', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'ssdcheck-reports-'));
  const made: Record<string, string> = {};

  beforeAll(async () => {
    // A small drift sweep (no GPU here: cuda is skipped with its reason) and the perf report of the committed H200 runs.
    const drift = runCli(['report', 'drift', '--impl', 'reference,onnx,cuda', '--lengths', '16,64,256', '--chunk-sizes', '16,64', '--tokens', '8', '--out', join(dir, 'drift')]);
    expect(drift.stderr).not.toMatch(/internal error/);
    expect(drift.status === 0 || drift.status === 1, drift.stderr).toBe(true);
    const perf = runCli(['report', 'perf', '--input', ...PERF_INPUTS, '--out', join(dir, 'perf')]);
    expect(perf.status, perf.stderr).toBe(0);
    made.drift = join(dir, 'drift', 'index.html');
    made.perf = join(dir, 'perf', 'index.html');
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  for (const kind of ['drift', 'perf']) {
    test(`the ${kind} report draws every chart with traces and axis titles, without console errors`, async () => {
      const page = await inspectReport(browser, made[kind]);
      expect(page.consoleErrors).toEqual([]);
      expect(page.charts.length).toBeGreaterThanOrEqual(kind === 'drift' ? 8 : 10);
      for (const chart of page.charts) {
        expect(chart.traces, chart.id).toBeGreaterThan(0);
        expect(chart.xTitle, chart.id).not.toBe('');
        expect(chart.yTitle, chart.id).not.toBe('');
        expect(chart.title, chart.id).not.toBe('');
      }
      const { page: opened } = await openReport(browser, made[kind]);
      const shot = join(dir, `${kind}-page.png`);
      await opened.screenshot({ path: shot, fullPage: true });
      await opened.close();
      expect(await pixelVariance(browser, shot)).toBeGreaterThan(50);
    }, 120_000);

    test(`the ${kind} report's PNG charts are one per chart and not blank`, async () => {
      const folder = join(dir, kind);
      const pngs = readdirSync(folder).filter((f) => f.endsWith('.png'));
      const charts = (await inspectReport(browser, made[kind])).charts.map((c) => `${c.id}.png`);
      expect(pngs.sort()).toEqual(charts.sort());
      for (const png of pngs) expect(await pixelVariance(browser, join(folder, png)), png).toBeGreaterThan(50);
    }, 120_000);
  }

  test('the drift report records why cuda did not run here, and its JSON is beside the page', () => {
    const report = JSON.parse(readFileSync(join(dir, 'drift', 'report.json'), 'utf-8'));
    expect(report.kind).toBe('drift');
    expect(report.ssd.length).toBeGreaterThan(0);
    expect(readFileSync(made.drift, 'utf-8')).toContain('href="report.json"');
    const cuda = report.skipped.filter((s: { impl: string }) => s.impl === 'cuda');
    if (cuda.length > 0) for (const s of cuda) expect(s.reason).toMatch(/no CUDA device/);
    else expect(report.ssd.some((r: { impl: string }) => r.impl === 'cuda')).toBe(true);
  });
});

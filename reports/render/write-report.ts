import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_INSTALL, findChromium, launchChromium, renderChartPngs } from './chromium.js';
import { pageHtml, type Page } from './page.js';

export interface WrittenReport {
  readonly html: string;
  readonly json: string;
  readonly pngs: readonly string[];
  /** why no PNGs were made, when none were */
  readonly pngSkipped?: string;
}

/**
 * A report folder: `report.json` (the raw data), `index.html` (self-contained) and one PNG per
 * chart rendered by headless Chromium. Without Chromium the HTML and JSON are still written and
 * the returned `pngSkipped` says what to install.
 */
export async function writeReport(dir: string, page: Omit<Page, 'jsonFile'>, data: unknown): Promise<WrittenReport> {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  writeFileSync(json, JSON.stringify(data, null, 1) + '\n');
  const html = join(dir, 'index.html');
  writeFileSync(html, pageHtml({ ...page, jsonFile: 'report.json' }));
  if (!findChromium()) return { html, json, pngs: [], pngSkipped: `no Chromium for the PNG images: ${CHROMIUM_INSTALL}` };
  const browser = await launchChromium();
  try {
    return { html, json, pngs: await renderChartPngs(browser, html, dir) };
  } finally {
    await browser.close();
  }
}

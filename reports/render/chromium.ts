import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page as BrowserPage } from 'playwright-core';

// playwright-core drives the system's Chromium (no browser download: this machine reaches only
// package registries). The flags keep a headless root run off the network it cannot reach.
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const CHROMIUM_INSTALL = 'apt-get install -y chromium   (Debian; as root, after apt-get update)';

/** The Chromium binary: $SSDCHECK_CHROMIUM, else the first of the usual paths; undefined if none. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.SSDCHECK_CHROMIUM;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find(existsSync);
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(`no Chromium found (looked at ${process.env.SSDCHECK_CHROMIUM ?? CANDIDATES.join(', ')}); install it: ${CHROMIUM_INSTALL}`);
  // Loaded here, not at the top: every ssdcheck command imports this module through `report`,
  // and the GPU host's bundle leaves playwright out (reports are drawn where they are read).
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, args: FLAGS, timeout: 60_000 });
}

/** What a loaded report page shows: its charts' traces and axis titles, and console errors. */
export interface PageInspection {
  readonly charts: readonly { readonly id: string; readonly traces: number; readonly xTitle: string; readonly yTitle: string; readonly title: string }[];
  readonly consoleErrors: readonly string[];
}

/** Opens a report page from disk and waits until every chart has drawn (at most 60 s). */
export async function openReport(browser: Browser, htmlPath: string): Promise<{ page: BrowserPage; consoleErrors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(pathToFileURL(htmlPath).href);
  await page.waitForFunction('window.ssdcheckReady === true', undefined, { timeout: 60_000 });
  return { page, consoleErrors };
}

export async function inspectReport(browser: Browser, htmlPath: string): Promise<PageInspection> {
  const { page, consoleErrors } = await openReport(browser, htmlPath);
  try {
    // Read off what plotly drew (the SVG), not the specs: traces and the rendered axis titles.
    // (A string: this project compiles without the DOM's types.)
    const charts = (await page.evaluate(`Array.from(document.querySelectorAll('.chart')).map((el) => ({
      id: el.id,
      traces: el.querySelectorAll('.trace').length,
      xTitle: el.querySelector('.xtitle')?.textContent ?? '',
      yTitle: el.querySelector('.ytitle')?.textContent ?? '',
      title: el.querySelector('.gtitle')?.textContent ?? '',
    }))`)) as PageInspection['charts'];
    return { charts, consoleErrors };
  } finally {
    await page.close();
  }
}

/** Screenshots every chart of a report page to `<dir>/<chart id>.png`; returns the paths. */
export async function renderChartPngs(browser: Browser, htmlPath: string, dir: string): Promise<string[]> {
  const { page, consoleErrors } = await openReport(browser, htmlPath);
  try {
    if (consoleErrors.length > 0) throw new Error(`${htmlPath}: console errors while drawing: ${consoleErrors.join('; ')}`);
    const ids = (await page.evaluate(`Array.from(document.querySelectorAll('.chart')).map((el) => el.id)`)) as string[];
    const paths: string[] = [];
    for (const id of ids) {
      const path = join(dir, `${id}.png`);
      await page.locator(`#${id}`).screenshot({ path });
      paths.push(path);
    }
    return paths;
  } finally {
    await page.close();
  }
}

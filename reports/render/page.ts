import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** One plotly chart: its traces and layout, as plotly.js takes them. */
export interface Chart {
  /** element id, also the PNG's file name */
  readonly id: string;
  readonly data: readonly Record<string, unknown>[];
  readonly layout: Record<string, unknown>;
}

/** A table under the charts; cells whose `flags` entry is true are shown in red. */
export interface Table {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly flags?: readonly (readonly boolean[])[];
  readonly note?: string;
}

/** A log axis whose ticks are exactly `values` (powers of two: lengths, chunk sizes, batches). */
export const log2Axis = (title: string, values: readonly number[]) => ({ title: { text: title }, type: 'log', tickvals: values, ticktext: values.map(String) });

export interface Page {
  readonly title: string;
  /** lines under the title: GPU, versions, commit, date */
  readonly subtitle: readonly string[];
  readonly charts: readonly Chart[];
  readonly tables: readonly Table[];
  /** the raw JSON beside the page, linked from it */
  readonly jsonFile: string;
}

/** Text made safe inside HTML and its attributes. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

let plotlySource: string | undefined;
function plotly(): string {
  plotlySource ??= readFileSync(createRequire(import.meta.url).resolve('plotly.js-dist-min'), 'utf-8');
  return plotlySource;
}

function tableHtml(t: Table): string {
  const cell = (text: string, flagged: boolean | undefined) => `<td${flagged ? ' class="flag"' : ''}>${escapeHtml(text)}</td>`;
  return [
    `<h2>${escapeHtml(t.title)}</h2>`,
    t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : '',
    '<table><thead><tr>',
    ...t.header.map((h) => `<th>${escapeHtml(h)}</th>`),
    '</tr></thead><tbody>',
    ...t.rows.map((row, r) => `<tr>${row.map((text, c) => cell(text, t.flags?.[r]?.[c])).join('')}</tr>`),
    '</tbody></table>',
  ].join('');
}

/**
 * A self-contained HTML page: plotly.js inlined (no network, opens from disk), each chart in a
 * div of its id, `window.ssdcheckReady` set once every chart has drawn (what the browser check
 * and the PNG renderer wait for).
 */
export function pageHtml(page: Page): string {
  const charts = page.charts.map((c) => `<div class="chart" id="${escapeHtml(c.id)}"></div>`).join('\n');
  const specs = JSON.stringify(page.charts.map((c) => ({ id: c.id, data: c.data, layout: { width: 900, height: 520, ...c.layout } })));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.sub { color: #555; font-size: 13px; margin: 2px 0; } .note { color: #555; font-size: 13px; }
.chart { width: 900px; height: 520px; margin: 16px 0; }
table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; white-space: nowrap; }
td:last-child { white-space: normal; text-align: left; }
th { background: #f3f3f3; } td.flag { background: #fbd5d5; color: #a00000; font-weight: 600; }
</style>
<script>${plotly()}</script></head>
<body>
<h1>${escapeHtml(page.title)}</h1>
${page.subtitle.map((s) => `<p class="sub">${escapeHtml(s)}</p>`).join('\n')}
<p class="sub">Raw data: <a href="${escapeHtml(page.jsonFile)}">${escapeHtml(page.jsonFile)}</a></p>
${charts}
${page.tables.map(tableHtml).join('\n')}
<script>
const specs = ${specs.replace(/</g, '\\u003c')};
Promise.all(specs.map((s) => Plotly.newPlot(s.id, s.data, s.layout, { staticPlot: false, displaylogo: false })))
  .then(() => { window.ssdcheckReady = true; });
</script>
</body></html>
`;
}

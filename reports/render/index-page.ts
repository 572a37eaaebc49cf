import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { escapeHtml } from './page.js';

interface Entry { readonly folder: string; readonly kind: string; readonly title: string; readonly date: string; readonly commit: string }


/**
 * `<root>/index.html`: a link to every report folder one level under `root`, newest first per
 * kind, read from each `report.json` (reports/index.html for the committed ones).
 */
export function writeIndexPage(root: string): string {
  const entries: Entry[] = [];
  const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(root, d.name));
  for (const folder of folders) {
    const json = join(folder, 'report.json');
    if (!existsSync(json) || !existsSync(join(folder, 'index.html'))) continue;
    const data = JSON.parse(readFileSync(json, 'utf-8')) as { kind?: string; title?: string; run?: { date?: string; commit?: string } };
    if (data.kind !== 'drift' && data.kind !== 'perf') continue;
    entries.push({ folder: relative(root, folder), kind: data.kind, title: data.title ?? data.kind, date: data.run?.date ?? '?', commit: data.run?.commit ?? '?' });
  }
  entries.sort((a, b) => a.kind.localeCompare(b.kind) || b.date.localeCompare(a.date));
  const rows = entries.map((e) => `<tr><td>${e.kind}</td><td><a href="${escapeHtml(e.folder)}/index.html">${escapeHtml(e.title)}</a></td><td>${escapeHtml(e.date)}</td><td>${escapeHtml(e.commit.slice(0, 12))}</td><td><a href="${escapeHtml(e.folder)}/report.json">JSON</a></td></tr>`);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ssdcheck reports</title>
<style>body { font-family: system-ui, sans-serif; margin: 24px; } table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 4px 10px; }</style></head>
<body><h1>ssdcheck reports</h1>
<p>Precision-drift reports (how far each implementation is from the float64 reference, per dtype, length and chunk size) and kernel performance reports (the CUDA kernels beside mamba_ssm's Triton kernels). Each folder holds the page, its PNG charts and the raw JSON.</p>
<table><thead><tr><th>kind</th><th>report</th><th>date</th><th>commit</th><th>data</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
  const path = join(root, 'index.html');
  writeFileSync(path, html);
  return path;
}

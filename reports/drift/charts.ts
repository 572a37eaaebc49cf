import { formatError } from '../../cli/table.js';
import { log2Axis, type Chart, type Page, type Table } from '../render/page.js';
import type { DriftReport } from './measure.js';
import { DRIFT_DTYPES, type SsdDriftRow } from './ssd-sweep.js';

const COLORS: Record<string, string> = { 'reference-emulated': '#4c78a8', 'onnx-cpu': '#f58518', cuda: '#54a24b' };
const errorAxis = (title: string) => ({ title: { text: title }, type: 'log', exponentformat: 'e' });

function lengthChart(report: DriftReport, dtype: string, output: 'y' | 'state'): Chart {
  const rows = report.ssd.filter((r) => r.dtype === dtype && r.chunk === report.options.chunk && report.options.lengths.includes(r.length));
  const impls = [...new Set(rows.map((r) => r.impl))];
  const data: Record<string, unknown>[] = [];
  for (const impl of impls) {
    for (const init of [false, true]) {
      const pts = rows.filter((r) => r.impl === impl && r.initialState === init).sort((a, b) => a.length - b.length);
      data.push({ type: 'scatter', mode: 'lines+markers', name: `${impl}${init ? ' (initial state)' : ''}`, x: pts.map((r) => r.length), y: pts.map((r) => r[output].max), line: { color: COLORS[impl], dash: init ? 'dash' : 'solid' } });
    }
  }
  const base = rows.filter((r) => r.impl === impls[0] && !r.initialState).sort((a, b) => a.length - b.length);
  data.push({ type: 'scatter', mode: 'lines', name: 'naive baseline', x: base.map((r) => r.length), y: base.map((r) => r.baseline[output]), line: { color: '#222', dash: 'dot' } });
  const worse = rows.filter((r) => r.worse[output]);
  data.push({ type: 'scatter', mode: 'markers', name: 'worse than the baseline allows', x: worse.map((r) => r.length), y: worse.map((r) => r[output].max), marker: { color: 'red', size: 12, symbol: 'x' } });
  return {
    id: `ssd-${output}-vs-length-${dtype}`,
    data,
    layout: { title: { text: `SSD ${output === 'y' ? 'y' : 'final state'} drift, ${dtype}, chunk ${report.options.chunk}: max |impl - f64| / max |f64|` }, xaxis: log2Axis('sequence length (tokens)', report.options.lengths), yaxis: errorAxis(`${output === 'y' ? 'y' : 'final state'} max relative error`) },
  };
}

function chunkChart(report: DriftReport): Chart {
  const rows = report.ssd.filter((r) => r.length === report.options.chunkSweepLength && !r.initialState && report.options.chunkSizes.includes(r.chunk));
  const series = [...new Set(rows.map((r) => `${r.impl} ${r.dtype}`))];
  const data = series.map((s) => {
    const pts = rows.filter((r) => `${r.impl} ${r.dtype}` === s).sort((a, b) => a.chunk - b.chunk);
    const dtype = s.split(' ')[1];
    return { type: 'scatter', mode: 'lines+markers', name: s, x: pts.map((r) => r.chunk), y: pts.map((r) => r.y.max), line: { color: COLORS[s.split(' ')[0]], dash: dtype === 'fp32' ? 'solid' : dtype === 'fp16' ? 'dash' : 'dot' } };
  });
  return {
    id: 'ssd-y-vs-chunk',
    data,
    layout: { title: { text: `SSD y drift against chunk size at ${report.options.chunkSweepLength} tokens` }, xaxis: log2Axis('chunk size', report.options.chunkSizes), yaxis: errorAxis('y max relative error') },
  };
}

function modelChart(report: DriftReport): Chart {
  const impls = [...new Set(report.model.map((r) => r.impl))];
  return {
    id: 'model-logits',
    data: impls.map((impl) => {
      const rows = report.model.filter((r) => r.impl === impl);
      return { type: 'bar', name: impl, x: rows.map((r) => r.dtype), y: rows.map((r) => r.logits.max), marker: { color: COLORS[impl] } };
    }),
    layout: { title: { text: 'Tiny model: prompt logits drift per dtype' }, barmode: 'group', xaxis: { title: { text: 'dtype' } }, yaxis: errorAxis('logits max relative error') },
  };
}

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');

function ssdTable(rows: readonly SsdDriftRow[]): Table {
  return {
    title: 'SSD layer: every point (red: worse than the naive same-precision baseline allows)',
    note: 'Allowed: 2x the baseline plus float32\'s 1e-5 for fp16 and bf16 (flash-attention\'s rule), 1e-5 for fp32 (torch\'s fp32 atol), as the verify gate.',
    header: ['impl', 'dtype', 'length', 'chunk', 'initial state', 'y max', 'y mean', 'baseline y', 'y / baseline', 'state max', 'state mean', 'baseline state', 'state / baseline'],
    rows: rows.map((r) => [r.impl, r.dtype, String(r.length), String(r.chunk), r.initialState ? 'yes' : 'no', formatError(r.y.max), formatError(r.y.mean), formatError(r.baseline.y), ratio(r.y.max, r.baseline.y), formatError(r.state.max), formatError(r.state.mean), formatError(r.baseline.state), ratio(r.state.max, r.baseline.state)]),
    flags: rows.map((r) => [false, false, false, false, false, r.worse.y, false, false, r.worse.y, r.worse.state, false, false, r.worse.state]),
  };
}

/** The drift report's page: charts, then the model, divergence, skip and point tables. */
export function driftPage(report: DriftReport): Omit<Page, 'jsonFile'> {
  const worse = report.ssd.filter((r) => r.worse.y || r.worse.state).length;
  const charts: Chart[] = [
    ...DRIFT_DTYPES.map((d) => lengthChart(report, d, 'y')),
    ...DRIFT_DTYPES.map((d) => lengthChart(report, d, 'state')),
    chunkChart(report),
    modelChart(report),
  ];
  const tables: Table[] = [
    {
      title: `Tiny model (${report.options.checkpoint.split('/').slice(-1)[0]}): logits and greedy tokens against float64`,
      header: ['impl', 'dtype', 'logits max', 'logits mean', `first differing token (of ${report.options.tokens})`],
      rows: report.model.map((r) => [r.impl, r.dtype, formatError(r.logits.max), formatError(r.logits.mean), r.firstTokenDifference === null ? 'none' : `step ${r.firstTokenDifference}`]),
    },
    {
      title: 'Divergences between the semantics modes (reference vs HF transformers 5.17), tiny model',
      header: ['divergence', 'prompt logits max abs', 'generation logits max abs', 'tokens change (left pad)', 'tokens change (right pad)', 'what'],
      rows: report.divergences.map((d) => [d.divergence, formatError(d.promptMaxAbs), formatError(d.generationMaxAbs), d.firstTokenChange.left === null ? 'no' : `step ${d.firstTokenChange.left}`, d.firstTokenChange.right === null ? 'no' : `step ${d.firstTokenChange.right}`, d.description]),
    },
    // The SSD and model parts each record a skip; one row per (impl, dtype, reason).
    { title: 'Not run here', header: ['impl', 'dtype', 'reason'], rows: [...new Set(report.skipped.map((s) => JSON.stringify([s.impl, s.dtype, s.reason])))].map((k) => JSON.parse(k) as string[]) },
    ssdTable(report.ssd),
  ];
  return {
    title: `${report.title}: ${report.device}`,
    subtitle: [
      `SSD shape b=${report.ssdDims.batch}, heads ${report.ssdDims.groups * report.ssdDims.headsPerGroup} x ${report.ssdDims.headDim}, ${report.ssdDims.groups} groups, state ${report.ssdDims.stateSize}; errors are max |impl - f64| / max |f64| (mean likewise).`,
      `${worse} of ${report.ssd.length} SSD points worse than the naive same-precision baseline allows (baseline: float64 on inputs rounded to the dtype, y faithfully rounded; allowed: 2x it + 1e-5, fp32 1e-5).`,
      `commit ${report.run.commit}, ${report.run.date}, node ${report.run.node}, ${report.run.cpu}`,
    ],
    charts,
    tables,
  };
}

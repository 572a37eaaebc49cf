import { log2Axis, type Chart, type Page, type Table } from '../render/page.js';
import type { PerfInputs, PerfPoint } from './rows.js';

const COLORS = ['#54a24b', '#e45756', '#4c78a8', '#f58518', '#b279a2', '#72b7b2', '#9d755d'];
// One colour per implementation across every chart of a page.
const IMPL_COLORS: Record<string, string> = { 'ssdcheck-cuda': '#54a24b', 'ssdcheck-cuda-kernel3': '#88d27a', 'mamba_ssm-triton': '#e45756', 'onnx-webgpu-fp32': '#4c78a8', 'onnx-cpu-fp32': '#f58518', 'onnx-cpu-fp16': '#b279a2', 'reference-chunked': '#9d755d', 'device copy, same bytes': '#888888' };
// Several bench:gpu runs on one page name each run's implementations "<impl> @<commit>": an
// implementation keeps its colour in every run and each run has its own dash, the first
// input's run solid, as are points no run names (ONNX, the reference). With seven colours
// cycled over run x series, two runs' series met in one colour and could not be told apart.
const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash'];
/** An implementation's name without the run it came from, and that run ('' for none). */
function splitRun(impl: string): { base: string; run: string } {
  const at = impl.lastIndexOf(' @');
  return at < 0 ? { base: impl, run: '' } : { base: impl.slice(0, at), run: impl.slice(at + 2) };
}
/** The named runs in the order their points were read (the inputs' order). */
const runOrder = (points: readonly PerfPoint[]) => [...new Set(points.map((p) => splitRun(p.impl).run).filter(Boolean))];
const runDash = (runs: readonly string[], run: string) => DASHES[Math.max(0, runs.indexOf(run)) % DASHES.length];
const TRITON = 'mamba_ssm-triton';
const OURS = 'ssdcheck-cuda';
const slug = (s: string) => s.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
const xTitle = (sweep: string) => (sweep.startsWith('decode') || sweep.endsWith('constant tokens') ? (sweep.startsWith('decode') ? 'batch' : 'batch (batch x length = 65536)') : 'sequence length (tokens)');

/** Median line with a p20..p80 band for each implementation of a sweep, of `value` per point: colour by implementation, dash by run (runs in reading order). */
function traces(points: readonly PerfPoint[], impls: readonly string[], runs: readonly string[], value: (p: PerfPoint, ms: number) => number | undefined): Record<string, unknown>[] {
  const bases = [...new Set(impls.map((impl) => splitRun(impl).base))];
  return impls.flatMap((impl) => {
    const pts = points.filter((p) => p.impl === impl && value(p, p.ms) !== undefined).sort((a, b) => a.x - b.x);
    if (pts.length === 0) return [];
    const { base, run } = splitRun(impl);
    const color = IMPL_COLORS[base] ?? COLORS[bases.indexOf(base) % COLORS.length];
    const band = pts.every((p) => p.p20 !== undefined && p.p80 !== undefined)
      ? [
          { type: 'scatter', mode: 'lines', x: pts.map((p) => p.x), y: pts.map((p) => value(p, p.p80!)), line: { width: 0, color }, showlegend: false, hoverinfo: 'skip', name: `${impl} p80` },
          { type: 'scatter', mode: 'lines', x: pts.map((p) => p.x), y: pts.map((p) => value(p, p.p20!)), line: { width: 0, color }, fill: 'tonexty', fillcolor: `${color}33`, showlegend: false, hoverinfo: 'skip', name: `${impl} p20` },
        ]
      : [];
    return [...band, { type: 'scatter', mode: 'lines+markers', name: impl, x: pts.map((p) => p.x), y: pts.map((p) => value(p, p.ms)), line: { color, dash: runDash(runs, run) } }];
  });
}

function ceiling(name: string, value: number | undefined, xs: readonly number[]): Record<string, unknown>[] {
  if (value === undefined || xs.length === 0) return [];
  return [{ type: 'scatter', mode: 'lines', name, x: [Math.min(...xs), Math.max(...xs)], y: [value, value], line: { color: '#222', dash: 'dash' } }];
}

function sweepCharts(inputs: PerfInputs, sweep: string, runs: readonly string[], title: string): Chart[] {
  const points = inputs.points.filter((p) => p.sweep === sweep);
  const impls = [...new Set(points.map((p) => p.impl))].sort();
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const decode = sweep.startsWith('decode');
  const dtype = sweep.split(' ')[2];
  const charts: Chart[] = [{
    id: `${slug(sweep)}-ms`,
    data: traces(points, impls, runs, (_p, ms) => ms),
    layout: { title: { text: `${sweep}: time (median, p20..p80)${title}` }, xaxis: log2Axis(xTitle(sweep), xs), yaxis: { title: { text: 'device ms (median)' }, type: 'log' } },
  }];
  if (decode) {
    charts.push({
      id: `${slug(sweep)}-tbps`,
      data: [...traces(points, impls, runs, (p, ms) => (p.bytes ? p.bytes / ms / 1e9 : undefined)), ...ceiling('copy ceiling (measured, 2 GiB)', inputs.copyTBps, xs)],
      layout: { title: { text: `${sweep}: bandwidth${title}` }, xaxis: log2Axis('batch', xs), yaxis: { title: { text: 'TB/s' } } },
    });
  } else if (points.some((p) => p.flops)) {
    const matmul = inputs.matmulTFLOPs[dtype === 'fp32' ? 'tf32' : dtype];
    charts.push({
      id: `${slug(sweep)}-tflops`,
      data: [...traces(points, impls, runs, (p, ms) => (p.flops ? p.flops / ms / 1e9 : undefined)), ...ceiling(`${dtype === 'fp32' ? 'tf32' : dtype} matmul ceiling (measured)`, matmul, xs)],
      layout: { title: { text: `${sweep}: throughput${title}` }, xaxis: log2Axis(xTitle(sweep), xs), yaxis: { title: { text: 'TFLOP/s' }, type: 'log' } },
    });
  }
  return charts;
}

/** Triton's time over ours (the default kernel, not a variant timed beside it) per length, one trace per (model, dtype, run), colour by (model, dtype), dash by run; > 1: ours is faster. */
function speedupChart(inputs: PerfInputs, runs: readonly string[]): Chart | undefined {
  const forward = inputs.points.filter((p) => p.sweep.startsWith('forward') && !p.sweep.endsWith('constant tokens'));
  const tritons = forward.filter((p) => p.impl.startsWith(TRITON));
  const series = [...new Set(tritons.map((p) => JSON.stringify([p.sweep, p.run ?? ''])))].sort();
  if (series.length === 0) return undefined;
  const xs = [...new Set(forward.map((p) => p.x))].sort((a, b) => a - b);
  const sweeps = [...new Set(tritons.map((p) => p.sweep))].sort();
  const data = series.map((key) => {
    const [sweep, run] = JSON.parse(key) as [string, string];
    const mine = (p: PerfPoint) => p.sweep === sweep && (p.run ?? '') === run;
    // Ours is the default kernel alone, "ssdcheck-cuda" of its run, not a variant timed beside it.
    const ours = new Map(forward.filter((p) => mine(p) && splitRun(p.impl).base === OURS).map((p) => [p.x, p.ms]));
    const theirs = forward.filter((p) => mine(p) && p.impl.startsWith(TRITON) && ours.has(p.x)).sort((a, b) => a.x - b.x);
    return { type: 'scatter', mode: 'lines+markers', name: `${sweep.replace('forward ', '')}${runs.length > 0 ? ` @${run}` : ''}`, x: theirs.map((p) => p.x), y: theirs.map((p) => p.ms / ours.get(p.x)!), line: { color: COLORS[sweeps.indexOf(sweep) % COLORS.length], dash: runDash(runs, run) } };
  });
  return {
    id: 'speedup-vs-mamba-ssm',
    data: [...data, { type: 'scatter', mode: 'lines', name: 'parity', x: [xs[0], xs[xs.length - 1]], y: [1, 1], line: { color: '#222', dash: 'dot' } }],
    layout: { title: { text: `Speed-up of the CUDA kernel over mamba_ssm's Triton (device time, same run)` }, xaxis: log2Axis('sequence length (tokens)', xs), yaxis: { title: { text: 'Triton ms / ssdcheck-cuda ms' }, type: 'log' } },
  };
}

/** The performance report's page: per sweep time and throughput, the decode step, the speed-up. */
export function perfPage(inputs: PerfInputs, run: { date: string; commit: string }): Omit<Page, 'jsonFile'> {
  const gpuTitle = inputs.gpu ? ` (${inputs.gpu})` : '';
  const sweeps = [...new Set(inputs.points.map((p) => p.sweep))].sort();
  const runs = runOrder(inputs.points);
  const speedup = speedupChart(inputs, runs);
  const charts = [...(speedup ? [speedup] : []), ...sweeps.flatMap((s) => sweepCharts(inputs, s, runs, gpuTitle))];
  const endToEnd: Table = {
    title: 'The CUDA forward from JavaScript: device time and the whole call (allocation, launch, synchronisation)',
    header: ['sweep', 'impl', 'x', 'device ms', 'from JavaScript ms', 'Triton ms (device)'],
    rows: inputs.points.filter((p) => p.impl.startsWith(OURS) && p.hostMs !== undefined && p.sweep.startsWith('forward')).map((p) => {
      const triton = inputs.points.find((q) => q.impl.startsWith(TRITON) && q.run === p.run && q.sweep === p.sweep && q.x === p.x);
      return [p.sweep, p.impl, String(p.x), p.ms.toFixed(3), p.hostMs!.toFixed(3), triton ? triton.ms.toFixed(3) : '-'];
    }),
  };
  return {
    title: `ssdcheck kernel performance${gpuTitle}`,
    subtitle: [...inputs.sources.map((s) => `${s.benchmark}: ${s.describe} (${s.file.split('/').slice(-2).join('/')})`), `report made ${run.date} at commit ${run.commit}`],
    charts,
    tables: [endToEnd],
  };
}

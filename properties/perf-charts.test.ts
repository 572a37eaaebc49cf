import { describe, expect, test } from 'vitest';
import { perfPage } from '../reports/perf-report/charts.js';
import { readPerfInputs } from '../reports/perf-report/rows.js';

// Two committed H200 bench:gpu runs on one page (as reports/perf-h200 draws them): a series
// keeps its colour across runs and each run has its own dash, so no two traces of a chart look
// alike; the first input's run is drawn solid.
const RUNS = ['reports/perf/bench-gpu-510de98.json', 'reports/perf/bench-gpu-e44975e.json'];

type Trace = { name?: string; showlegend?: boolean; line?: { color?: string; dash?: string } };
const shown = (data: readonly Record<string, unknown>[]) => (data as Trace[]).filter((t) => t.showlegend !== false && t.line?.color !== '#222');

describe('perf report charts of several runs', () => {
  const page = perfPage(readPerfInputs(RUNS), { date: 'test', commit: 'test' });

  test('no two legend entries of a chart share both colour and dash', () => {
    for (const chart of page.charts) {
      const looks = shown(chart.data).map((t) => `${t.line?.color} ${t.line?.dash}`);
      expect(new Set(looks).size, chart.id).toBe(looks.length);
    }
  });

  test('an implementation keeps its colour in both runs, the first run solid and the second not', () => {
    const chart = page.charts.find((c) => c.id === 'forward-codestral-7b-bf16-ms')!;
    const first = shown(chart.data).find((t) => t.name === 'ssdcheck-cuda @510de98')!;
    const second = shown(chart.data).find((t) => t.name === 'ssdcheck-cuda @e44975e')!;
    expect(first.line?.color).toBe(second.line?.color);
    expect(first.line?.dash).toBe('solid');
    expect(second.line?.dash).not.toBe('solid');
  });

  test('the speed-up chart colours by model and dtype, one trace per run of each', () => {
    const chart = page.charts.find((c) => c.id === 'speedup-vs-mamba-ssm')!;
    const traces = shown(chart.data);
    const bf16 = traces.filter((t) => t.name?.startsWith('codestral-7b bf16 @'));
    expect(bf16).toHaveLength(2);
    expect(bf16[0].line?.color).toBe(bf16[1].line?.color);
    expect(bf16[0].line?.dash).not.toBe(bf16[1].line?.dash);
  });
});

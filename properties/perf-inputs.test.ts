import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readPerfInputs } from '../reports/perf-report/rows.js';

// The perf report's reading of a committed H200 bench:gpu run: every timed row becomes a chart
// point, and each decode row's copy of the same bytes becomes the copy trace beside it.
const BENCH = 'reports/perf/bench-gpu-passing4.json';

describe('perf report inputs', () => {
  const bench = JSON.parse(readFileSync(BENCH, 'utf-8')) as { rows: { impl: string; op: string; model: string; batch: number; ms?: number; copyMs?: number; io_bytes?: number; skipped?: string }[] };
  const inputs = readPerfInputs([BENCH]);

  test('each decode row with a copy timing gives a copy point at its batch, with its bytes', () => {
    const steps = bench.rows.filter((r) => r.op === 'decode_step' && r.copyMs !== undefined);
    expect(steps.length).toBeGreaterThan(0);
    for (const r of steps) {
      const copy = inputs.points.filter((p) => p.sweep === `decode ${r.model}` && p.impl === 'device copy, same bytes' && p.x === r.batch);
      expect(copy).toEqual([expect.objectContaining({ ms: r.copyMs, bytes: r.io_bytes })]);
    }
  });

  test('every timed row is a point, and the copy points come on top of them', () => {
    const timed = bench.rows.filter((r) => r.ms !== undefined && !r.skipped);
    const copies = bench.rows.filter((r) => r.copyMs !== undefined);
    expect(inputs.points).toHaveLength(timed.length + copies.length);
    expect(inputs.copyTBps).toBeGreaterThan(1);
  });
});

import { difference } from '../../reference/compare.js';
import { baselineErrors, emulatedRun } from '../../reference/ssd/precision-baseline.js';
import { runSsdForm, type SsdOutputs } from '../../reference/ssd/index.js';
import { roundTensor } from '../../reference/tensor/precision.js';
import { buildSsdInputs } from '../../properties/arbitraries/ssd-inputs.js';
import type { SsdImplementation } from '../../cli/checks/ssd-implementations.js';
import type { Progress } from '../render/progress.js';
import { gateTolerance } from '../../cli/checks/tolerances.js';

export type DriftDtype = 'fp32' | 'fp16' | 'bf16';
export const DRIFT_DTYPES: readonly DriftDtype[] = ['fp32', 'fp16', 'bf16'];

/** One SSD shape for the sweep: small enough for float64 at 16k steps, two heads per group. */
export const DRIFT_SSD_DIMS = { batch: 1, groups: 2, headsPerGroup: 2, headDim: 16, stateSize: 32 } as const;

export interface ErrorPair { readonly max: number; readonly mean: number }

/** An implementation's drift at one point of the sweep, beside the naive baseline's. */
export interface SsdDriftRow {
  readonly impl: string;
  readonly dtype: DriftDtype;
  readonly length: number;
  readonly chunk: number;
  readonly initialState: boolean;
  /** |impl - f64| / max|f64|, max and mean, for y and the final state */
  readonly y: ErrorPair;
  readonly state: ErrorPair;
  /** the naive same-precision baseline's error (faithful rounding of y; semantics s.7) */
  readonly baseline: { readonly y: number; readonly state: number };
  /** what the gate allows against that baseline: 2x it plus float32's 1e-5 (fp32: 1e-5) */
  readonly tolerance: { readonly y: number; readonly state: number };
  /** worse than the baseline allows, per output */
  readonly worse: { readonly y: boolean; readonly state: boolean };
}

export interface SsdPoint { readonly length: number; readonly chunk: number; readonly initialState: boolean }

/**
 * An implementation under drift, for a dtype: one that runs it, `emulated` (the float64
 * reference on inputs rounded to it: the baseline's own run, y rounded to nearest), or the
 * reason it cannot run that dtype here.
 */
export interface DriftSsdImpl {
  readonly name: string;
  readonly forDtype: (dtype: DriftDtype) => SsdImplementation | 'emulated' | { readonly skip: string };
}

const pair = (actual: SsdOutputs['y'], exact: SsdOutputs['y']): ErrorPair => {
  const d = difference(actual, exact);
  return { max: d.maxRel, mean: d.meanRel };
};

/**
 * Runs every implementation at every point and dtype against the float64 reference on the
 * same inputs (seeded per length, so points of one length share inputs). Skips are returned
 * once per (impl, dtype) with their reason.
 */
export async function sweepSsd(points: readonly SsdPoint[], impls: readonly DriftSsdImpl[], progress: Progress, seed: number): Promise<{ rows: SsdDriftRow[]; skipped: { impl: string; dtype: DriftDtype; reason: string }[] }> {
  const rows: SsdDriftRow[] = [];
  const skipped = new Map<string, { impl: string; dtype: DriftDtype; reason: string }>();
  for (const point of points) {
    const inputs = buildSsdInputs({ dims: { ...DRIFT_SSD_DIMS, length: point.length }, withInitialState: point.initialState, withLimit: false, valueSeed: seed + point.length });
    const exact = runSsdForm('chunked', inputs, point.chunk);
    for (const dtype of DRIFT_DTYPES) {
      const emulated = emulatedRun(dtype, inputs, point.chunk);
      const errors = baselineErrors(dtype, inputs, exact, point.chunk, undefined, emulated);
      const baseline = { y: errors.y, state: errors.finalState };
      for (const impl of impls) {
        const chosen = impl.forDtype(dtype);
        if (typeof chosen === 'object' && 'skip' in chosen) {
          skipped.set(`${impl.name}/${dtype}`, { impl: impl.name, dtype, reason: chosen.skip });
          progress.tick(`${impl.name} ${dtype} skipped`);
          continue;
        }
        const out = chosen === 'emulated' ? { y: roundTensor(emulated.y, dtype), finalState: emulated.finalState } : await chosen.run('chunked', inputs, point.chunk);
        const y = pair(out.y, exact.y), state = pair(out.finalState, exact.finalState);
        const tolerance = { y: gateTolerance(dtype, baseline.y), state: gateTolerance(dtype, baseline.state) };
        rows.push({ impl: impl.name, dtype, ...point, y, state, baseline, tolerance, worse: { y: y.max > tolerance.y, state: state.max > tolerance.state } });
        progress.tick(`${impl.name} ${dtype} l=${point.length} q=${point.chunk}`);
      }
    }
  }
  return { rows, skipped: [...skipped.values()] };
}

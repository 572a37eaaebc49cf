import { difference } from '../../reference/compare.js';
import type { SsdCase } from '../../reference/ssd/case-file.js';
import type { SsdForm } from '../../reference/ssd/index.js';
import { baselineErrors, type BaselineErrors } from '../../reference/ssd/precision-baseline.js';
import type { Tensor } from '../../reference/tensor/tensor.js';
import type { SsdImplementation } from './ssd-implementations.js';
import { externalTolerance, GATE_TAG, gateTolerance } from './tolerances.js';

export type SsdOutputName = 'y' | 'final_state' | 'step.y' | 'step.state';

/** One comparison row; the JSON schema of `ssdcheck ssd --json` (issue 2). */
export interface SsdResultRow {
  readonly impl: string;
  readonly form: string;
  readonly output: SsdOutputName;
  readonly against: string;
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly tolerance: number;
  readonly pass: boolean;
}

export interface SsdCaseResult {
  readonly case: string;
  /** every row against f64 within tolerance (other rows do not gate) */
  readonly pass: boolean;
  readonly chunkSize: number;
  /** "lo,hi" as the fixtures' metadata writes it (JSON has no Infinity) */
  readonly timeStepLimit: string;
  readonly results: SsdResultRow[];
}

export interface SsdCheckOptions {
  readonly forms: readonly SsdForm[];
  readonly chunkSize: number;
  readonly timeStepLimit: readonly [number, number];
}

const BASELINE_KEY: Record<SsdOutputName, keyof BaselineErrors> = { y: 'y', final_state: 'finalState', 'step.y': 'stepY', 'step.state': 'stepState' };

/**
 * Runs the chosen forms of an implementation on a case and compares every output the case
 * holds. The decode step continues from each form's own final state, so it also checks that
 * state. Reduced-precision implementations are held to 2x the naive baseline's error.
 */
export async function checkSsdCase(c: SsdCase, impl: SsdImplementation, options: SsdCheckOptions): Promise<SsdCaseResult> {
  const inputs = { ...c.inputs, timeStepLimit: options.timeStepLimit };
  const stepInputs = c.step ? { ...c.step.inputs, timeStepLimit: options.timeStepLimit } : undefined;
  const f64 = c.expected.get(GATE_TAG);
  const f64Step = c.step?.expected.get(GATE_TAG);
  const reduced = impl.precision === 'fp16' || impl.precision === 'bf16';
  const baseline = reduced && f64?.y && f64.finalState
    ? baselineErrors(impl.precision, inputs, { y: f64.y, finalState: f64.finalState }, options.chunkSize,
      stepInputs && f64Step?.y && f64Step.state ? { inputs: stepInputs, y: f64Step.y, state: f64Step.state } : undefined)
    : undefined;
  const results: SsdResultRow[] = [];
  const row = (form: string, output: SsdOutputName, against: string, actual: Tensor, expected: Tensor) => {
    const d = difference(actual, expected, output);
    const tolerance = against === GATE_TAG ? gateTolerance(impl.precision, baseline?.[BASELINE_KEY[output]]) : externalTolerance(against);
    results.push({ impl: impl.name, form, output, against, maxAbs: d.maxAbs, maxRel: d.maxRel, tolerance, pass: d.maxRel <= tolerance });
  };
  for (const form of options.forms) {
    const out = await impl.run(form, inputs, options.chunkSize);
    for (const [tag, expected] of c.expected) {
      if (expected.y) row(form, 'y', tag, out.y, expected.y);
      if (expected.finalState) row(form, 'final_state', tag, out.finalState, expected.finalState);
    }
    if (!c.step || !stepInputs) continue;
    const step = await impl.step(form, { ...stepInputs, state: out.finalState }, options.chunkSize);
    for (const [tag, expected] of c.step.expected) {
      if (expected.y) row(form, 'step.y', tag, step.y, expected.y);
      if (expected.state) row(form, 'step.state', tag, step.state, expected.state);
    }
  }
  const gated = results.filter((r) => r.against === GATE_TAG);
  return {
    case: c.name,
    pass: gated.length > 0 && gated.every((r) => r.pass),
    chunkSize: options.chunkSize,
    timeStepLimit: options.timeStepLimit.map((v) => (v === Infinity ? 'inf' : String(v))).join(','),
    results,
  };
}

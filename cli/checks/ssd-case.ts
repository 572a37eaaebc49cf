import { difference } from '../../reference/compare.js';
import type { SsdCase } from '../../reference/ssd/case-file.js';
import { runSsdForm, ssdStep, type SsdForm } from '../../reference/ssd/index.js';
import type { Tensor } from '../../reference/tensor/tensor.js';
import { GATE_TAG, toleranceFor } from './tolerances.js';

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

function row(form: string, output: SsdOutputName, against: string, actual: Tensor, expected: Tensor): SsdResultRow {
  const d = difference(actual, expected, output);
  const tolerance = toleranceFor(against);
  return { impl: 'reference', form, output, against, maxAbs: d.maxAbs, maxRel: d.maxRel, tolerance, pass: d.maxRel <= tolerance };
}

/**
 * Runs the chosen reference forms on a case and compares every output the case holds.
 * The decode step continues from each form's own final state, so it also checks that state.
 */
export function checkSsdCase(c: SsdCase, options: SsdCheckOptions): SsdCaseResult {
  const inputs = { ...c.inputs, timeStepLimit: options.timeStepLimit };
  const results: SsdResultRow[] = [];
  for (const form of options.forms) {
    const out = runSsdForm(form, inputs, options.chunkSize);
    for (const [tag, expected] of c.expected) {
      if (expected.y) results.push(row(form, 'y', tag, out.y, expected.y));
      if (expected.finalState) results.push(row(form, 'final_state', tag, out.finalState, expected.finalState));
    }
    if (!c.step) continue;
    const step = ssdStep({ ...c.step.inputs, timeStepLimit: options.timeStepLimit, state: out.finalState });
    for (const [tag, expected] of c.step.expected) {
      if (expected.y) results.push(row(form, 'step.y', tag, step.y, expected.y));
      if (expected.state) results.push(row(form, 'step.state', tag, step.state, expected.state));
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

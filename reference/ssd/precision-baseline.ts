import { difference } from '../compare.js';
import { roundTensor, type Precision } from '../tensor/precision.js';
import type { Tensor } from '../tensor/tensor.js';
import { runSsdForm } from './forms.js';
import type { SsdInputs, SsdOutputs } from './inputs.js';
import { ssdStep, type SsdStepInputs } from './recurrent.js';

/** Errors of the naive baseline against the exact outputs, per output (maxRel). */
export interface BaselineErrors {
  readonly y: number;
  readonly finalState: number;
  readonly stepY?: number;
  readonly stepState?: number;
}

/**
 * The naive same-precision baseline of flash-attention's rule (semantics section 7): the
 * float64 reference run on x, B, C rounded to `precision`, with y rounded too, as a kernel
 * storing those in that precision and computing exactly would give; the state stays wide.
 * A decode step, when given, continues from the baseline's own final state. A reduced-
 * precision implementation is held to at most 2x these errors.
 */
export function baselineErrors(
  precision: Precision,
  inputs: SsdInputs,
  exact: SsdOutputs,
  chunkSize: number,
  step?: { readonly inputs: Omit<SsdStepInputs, 'state'>; readonly y: Tensor; readonly state: Tensor },
): BaselineErrors {
  const round = (t: Tensor) => roundTensor(t, precision);
  const run = runSsdForm('chunked', { ...inputs, x: round(inputs.x), B: round(inputs.B), C: round(inputs.C) }, chunkSize);
  const errors = { y: difference(round(run.y), exact.y).maxRel, finalState: difference(run.finalState, exact.finalState).maxRel };
  if (!step) return errors;
  const next = ssdStep({ ...step.inputs, x: round(step.inputs.x), B: round(step.inputs.B), C: round(step.inputs.C), state: run.finalState });
  return { ...errors, stepY: difference(round(next.y), step.y).maxRel, stepState: difference(next.state, step.state).maxRel };
}

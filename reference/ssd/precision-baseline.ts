import { difference } from '../compare.js';
import { bracketIn, roundTensor, type Precision } from '../tensor/precision.js';
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
 *
 * y's error is that of a faithful rounding: at each element, the farther of the two values of
 * `precision` around the baseline's y. A kernel computing in float32 lands within float32 of
 * the baseline before its last rounding, and where that is next to a rounding boundary it
 * rounds the other way: one ulp more, which round-to-nearest of the exact baseline never shows
 * (the CUDA property failed bf16 at 7.3e-3 against 2x 3.1e-3 that way).
 */
export function baselineErrors(
  precision: Precision,
  inputs: SsdInputs,
  exact: SsdOutputs,
  chunkSize: number,
  step?: { readonly inputs: Omit<SsdStepInputs, 'state'>; readonly y: Tensor; readonly state: Tensor },
  run: SsdOutputs = emulatedRun(precision, inputs, chunkSize),
): BaselineErrors {
  const round = (t: Tensor) => roundTensor(t, precision);
  const errors = { y: faithfulRoundingError(precision, run.y, exact.y), finalState: difference(run.finalState, exact.finalState).maxRel };
  if (!step) return errors;
  const next = ssdStep({ ...step.inputs, x: round(step.inputs.x), B: round(step.inputs.B), C: round(step.inputs.C), state: run.finalState });
  return { ...errors, stepY: faithfulRoundingError(precision, next.y, step.y), stepState: difference(next.state, step.state).maxRel };
}

/**
 * The baseline's run: the float64 chunked reference on x, B, C rounded to `precision`, its
 * outputs not yet rounded (y is rounded where it is compared; the state stays wide).
 */
export function emulatedRun(precision: Precision, inputs: SsdInputs, chunkSize: number): SsdOutputs {
  const round = (t: Tensor) => roundTensor(t, precision);
  return runSsdForm('chunked', { ...inputs, x: round(inputs.x), B: round(inputs.B), C: round(inputs.C) }, chunkSize);
}

/** max over elements of the farther faithful rounding of `computed` from `exact`, over max|exact|. */
export function faithfulRoundingError(precision: Precision, computed: Tensor, exact: Tensor): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < computed.data.length; i++) {
    const [down, up] = bracketIn(precision, computed.data[i]);
    const e = exact.data[i];
    worst = Math.max(worst, Math.abs(down - e), Math.abs(up - e));
    scale = Math.max(scale, Math.abs(e));
  }
  return scale === 0 ? worst : worst / scale;
}

import { difference } from '../../reference/compare.js';
import { runSsdForm, type SsdInputs, type SsdOutputs } from '../../reference/ssd/index.js';
import { roundTensor, type Precision } from '../../reference/tensor/precision.js';

/**
 * The naive same-precision baseline of flash-attention's rule (semantics section 7): the
 * float64 reference run on x, B, C rounded to `precision`, its y rounded too, as a
 * reduced-precision kernel that computes exactly would give. Returns its error against the
 * exact reference, per output.
 */
export function baselineError(inputs: SsdInputs, exact: SsdOutputs, precision: Precision, chunkSize: number): { y: number; finalState: number } {
  const rounded = runSsdForm('chunked', { ...inputs, x: roundTensor(inputs.x, precision), B: roundTensor(inputs.B, precision), C: roundTensor(inputs.C, precision) }, chunkSize);
  return {
    y: difference(roundTensor(rounded.y, precision), exact.y).maxRel,
    finalState: difference(rounded.finalState, exact.finalState).maxRel,
  };
}

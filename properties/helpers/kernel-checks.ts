import { expect } from 'vitest';
import { difference } from '../../reference/compare.js';
import type { SsdInputs, SsdOutputs } from '../../reference/ssd/inputs.js';
import { baselineErrors, faithfulRoundingError } from '../../reference/ssd/precision-baseline.js';
import { ssdChunked, ssdStep, type SsdStepInputs, type SsdStepOutputs } from '../../reference/ssd/index.js';
import { roundTensor } from '../../reference/tensor/precision.js';
import { tensor } from '../../reference/tensor/tensor.js';
import type { DeviceDType } from '../../kernels/native.js';
import { buildSsdInputs, type SsdCaseSpec } from '../arbitraries/ssd-inputs.js';
import { expectClose } from './expect-close.js';

/**
 * The tolerances a kernel meets against the float64 reference, for the CUDA properties and
 * their CPU emulation (properties/cuda-emulated.test.ts) alike.
 */
// True fp32 (no TF32) against float64: torch's fp32 atol as maxRel.
export const FP32_TOL = 1e-5;
const PRECISION = { float32: 'fp32', float16: 'fp16', bfloat16: 'bf16' } as const;

export type ChunkedKernel = (inputs: SsdInputs, options: { chunkSize: number; dtype: DeviceDType }) => Promise<SsdOutputs> | SsdOutputs;
export type StepKernel = (inputs: SsdStepInputs, options: { dtype: DeviceDType }) => Promise<SsdStepOutputs> | SsdStepOutputs;

/** A drawn case through a chunked kernel: fp32 within FP32_TOL, fp16/bf16 within 2x the reference's own error on rounded inputs (semantics s.7). */
export async function expectSsdMatches(kernel: ChunkedKernel, spec: SsdCaseSpec, chunkSize: number, dtype: DeviceDType) {
  const inputs = buildSsdInputs(spec);
  const exact = ssdChunked(inputs, chunkSize);
  const out = await kernel(inputs, { chunkSize, dtype });
  if (dtype === 'float32') {
    expectClose(out.y, exact.y, FP32_TOL, 'y');
    expectClose(out.finalState, exact.finalState, FP32_TOL, 'final state');
    return;
  }
  const baseline = baselineErrors(PRECISION[dtype], inputs, exact, chunkSize);
  expect(difference(out.y, exact.y).maxRel).toBeLessThanOrEqual(2 * baseline.y + FP32_TOL);
  expect(difference(out.finalState, exact.finalState).maxRel).toBeLessThanOrEqual(2 * baseline.finalState + FP32_TOL);
}

// One step from the last position of a drawn case, against the float64 step; fp16/bf16 within
// 2x the reference's own error on rounded inputs.
export async function expectStepMatches(kernel: StepKernel, spec: SsdCaseSpec, dtype: DeviceDType) {
  const inputs = buildSsdInputs({ ...spec, withInitialState: true });
  const [b, l, h, p] = inputs.x.shape;
  const [, , g, n] = inputs.B.shape;
  const last = (t: typeof inputs.x, inner: number[]) => tensor([b, ...inner], Array.from({ length: b }, (_, bi) => Array.from(t.data.subarray((bi * l + l - 1) * inner.reduce((x, y) => x * y, 1), (bi * l + l) * inner.reduce((x, y) => x * y, 1)))).flat());
  const step = { ...inputs, state: inputs.initialState!, x: last(inputs.x, [h, p]), dt: last(inputs.dt, [h]), B: last(inputs.B, [g, n]), C: last(inputs.C, [g, n]) };
  const exact = ssdStep(step);
  const out = await kernel(step, { dtype });
  const rounded = ssdStep({ ...step, x: roundTensor(step.x, PRECISION[dtype]), B: roundTensor(step.B, PRECISION[dtype]), C: roundTensor(step.C, PRECISION[dtype]) });
  const tolY = dtype === 'float32' ? FP32_TOL : 2 * faithfulRoundingError(PRECISION[dtype], rounded.y, exact.y) + FP32_TOL;
  const tolState = dtype === 'float32' ? FP32_TOL : 2 * difference(rounded.state, exact.state).maxRel + FP32_TOL;
  expect(difference(out.y, exact.y).maxRel).toBeLessThanOrEqual(tolY);
  expect(difference(out.state, exact.state).maxRel).toBeLessThanOrEqual(tolState);
}

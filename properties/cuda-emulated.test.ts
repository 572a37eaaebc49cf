import { fc, test } from '@fast-check/vitest';
import { describe, expect, test as plainTest } from 'vitest';
import { emulatorStatus, ssdEmulated, ssdStepEmulated } from '../kernels/emulate.js';
import type { DeviceDType } from '../kernels/native.js';
import { buildSsdInputs, ssdCaseSpec } from './arbitraries/ssd-inputs.js';
import { expectSsdMatches, expectStepMatches } from './helpers/kernel-checks.js';

// The kernels with a CPU emulation (kernels/emulate/), held to the GPU properties' tolerances on
// machines without a GPU. Each case runs every CUDA thread as a fiber on one CPU core: about a
// second per case, so the shapes are small and the runs few; the GPU gate runs the same
// kernels at full size.
const EMULATOR = emulatorStatus();
if (!EMULATOR.available) console.log(`emulated kernel tests skipped: ${EMULATOR.reason}`);

describe.skipIf(!EMULATOR.available)('CUDA kernels emulated on the CPU', () => {
  // kernel4: bf16 with p, n in whole 8s, fp32 (3xTF32) in whole 4s, up to (64, 128); lengths
  // across one to three row tiles and chunks, chunk sizes below, at and past the 64-step tile.
  const kernel4Case = (multiple: number) =>
    fc.tuple(ssdCaseSpec({ maxLength: 160, maxBatch: 1 }), fc.integer({ min: 1, max: 64 / multiple }), fc.integer({ min: 1, max: 128 / multiple }), fc.integer({ min: 1, max: 2 }))
      .map(([spec, pk, nk, headsPerGroup]) => ({ ...spec, dims: { ...spec.dims, groups: Math.min(spec.dims.groups, 2), headsPerGroup, headDim: multiple * pk, stateSize: multiple * nk } }));
  const chunks = fc.constantFrom(16, 64, 100, 128);
  test.prop([kernel4Case(8), chunks], { numRuns: 25 })('kernel4, bf16 (wgmma as 8 mma.sync a warp, as off sm_90a), equals the reference', (spec, q) =>
    expectSsdMatches((inputs, options) => ssdEmulated(inputs, { ...options, dtype: 'bfloat16' }), spec, q, 'bfloat16'), 300_000);
  test.prop([kernel4Case(4), chunks], { numRuns: 25 })('kernel4, fp32 on 3xTF32, equals the reference (1e-5)', (spec, q) =>
    expectSsdMatches((inputs, options) => ssdEmulated(inputs, { ...options, dtype: 'float32' }), spec, q, 'float32'), 300_000);

  // The decode step's kernel4: 16 warps of 4 rows a block (several passes past p = 64), rows
  // of 128 columns a pass (float4, n % 4 == 0; past 128 several passes) or 32 (n odd), heads
  // sharing a group's B and C.
  const stepCase = fc.tuple(ssdCaseSpec({ maxLength: 2, maxBatch: 2 }), fc.integer({ min: 1, max: 24 }), fc.oneof(fc.integer({ min: 1, max: 64 }).map((k) => 4 * k), fc.integer({ min: 1, max: 72 })), fc.integer({ min: 1, max: 3 }))
    .map(([spec, p, n, headsPerGroup]) => ({ ...spec, dims: { ...spec.dims, groups: Math.min(spec.dims.groups, 2), headsPerGroup, headDim: p, stateSize: n } }));
  test.prop([stepCase, fc.constantFrom<DeviceDType>('float32', 'float16', 'bfloat16')], { numRuns: 25 })('decode step kernel4 equals the reference step', (spec, dtype) =>
    expectStepMatches((inputs, options) => ssdStepEmulated(inputs, options), spec, dtype), 300_000);

  plainTest('a shape kernel4 does not take is refused, naming the arguments', () => {
    const inputs = buildSsdInputs({ dims: { batch: 1, length: 4, groups: 1, headsPerGroup: 1, headDim: 6, stateSize: 8 }, withInitialState: false, withLimit: false, valueSeed: 1 });
    expect(() => ssdEmulated(inputs, { chunkSize: 4, dtype: 'bfloat16' })).toThrow(/^x, B: expected p and n multiples of 8 up to 64 and 128 \(kernel4, bfloat16\), got p = 6, n = 8/);
    expect(() => ssdEmulated(inputs, { chunkSize: 4, dtype: 'float32' })).toThrow(/^x, B: expected p and n multiples of 4 up to 64 and 128 \(kernel4, float32\), got p = 6, n = 8/);
  });
});

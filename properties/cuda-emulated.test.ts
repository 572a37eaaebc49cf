import { fc, test } from '@fast-check/vitest';
import { describe, expect, test as plainTest } from 'vitest';
import { emulatorStatus, ssdEmulated, ssdStepEmulated } from '../kernels/emulate.js';
import type { DeviceDType } from '../kernels/native.js';
import { ssdCaseSpec } from './arbitraries/ssd-inputs.js';
import { expectSsdMatches, expectStepMatches } from './helpers/kernel-checks.js';

// The kernels with a CPU emulation (kernels/emulate/), held to the GPU properties' tolerances on
// machines without a GPU. Each case runs every CUDA thread as a CPU thread: seconds per case,
// so the shapes are small and the runs few; the GPU gate runs the same kernels at full size.
const EMULATOR = emulatorStatus();
if (!EMULATOR.available) console.log(`emulated kernel tests skipped: ${EMULATOR.reason}`);

describe.skipIf(!EMULATOR.available)('CUDA kernels emulated on the CPU', () => {
  // kernel4: bf16, p and n in whole 8s up to (64, 128); lengths across one to three row tiles
  // and chunks, chunk sizes below, at and past the 64-step tile.
  const kernel4Case = fc.tuple(ssdCaseSpec({ maxLength: 160, maxBatch: 1 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 2 }))
    .map(([spec, p8, n8, headsPerGroup]) => ({ ...spec, dims: { ...spec.dims, groups: Math.min(spec.dims.groups, 2), headsPerGroup, headDim: 8 * p8, stateSize: 8 * n8 } }));
  test.prop([kernel4Case, fc.constantFrom(16, 64, 100, 128)], { numRuns: 6 })('kernel4 (bf16 mma.sync) equals the reference', (spec, q) =>
    expectSsdMatches((inputs, options) => ssdEmulated(inputs, options), spec, q, 'bfloat16'), 300_000);

  // The decode step's kernel3: rows in groups of 8 per warp, float4 rows when n % 4 == 0.
  const stepCase = fc.tuple(ssdCaseSpec({ maxLength: 2, maxBatch: 2 }), fc.integer({ min: 1, max: 24 }), fc.oneof(fc.integer({ min: 1, max: 32 }).map((k) => 4 * k), fc.integer({ min: 1, max: 40 })))
    .map(([spec, p, n]) => ({ ...spec, dims: { ...spec.dims, groups: Math.min(spec.dims.groups, 2), headsPerGroup: 1, headDim: p, stateSize: n } }));
  test.prop([stepCase, fc.constantFrom<DeviceDType>('float32', 'float16', 'bfloat16')], { numRuns: 6 })('decode step kernel3 equals the reference step', (spec, dtype) =>
    expectStepMatches((inputs, options) => ssdStepEmulated(inputs, options), spec, dtype), 300_000);

  plainTest('a shape kernel4 does not take is refused, naming the arguments', () => {
    const spec = { dims: { batch: 1, length: 4, groups: 1, headsPerGroup: 1, headDim: 6, stateSize: 8 }, withInitialState: false, withLimit: false, valueSeed: 1 };
    return expect(expectSsdMatches((inputs, options) => ssdEmulated(inputs, options), spec, 4, 'bfloat16')).rejects.toThrow(/^x, B: expected p and n multiples of 8 up to 64 and 128 \(kernel4\), got p = 6, n = 8/);
  });
});

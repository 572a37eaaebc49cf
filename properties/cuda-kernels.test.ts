import { fc, test } from '@fast-check/vitest';
import { describe, expect, test as plainTest } from 'vitest';
import { causalConv } from '../reference/model/conv.js';
import { rmsNorm, silu } from '../reference/model/ops.js';
import { SeededRandom } from '../reference/tensor/seeded-random.js';
import { tensor } from '../reference/tensor/tensor.js';
import { fromDevice, requireKernels, toDevice, withDeviceScope } from '../kernels/device.js';
import type { ChunkedKernel, DeviceDType } from '../kernels/native.js';
import { ssdCuda, ssdStepCuda } from '../kernels/ssd.js';
import { buildSsdInputs, ssdCaseSpec, type SsdCaseSpec } from './arbitraries/ssd-inputs.js';
import { CUDA } from './helpers/cuda.js';
import { expectClose } from './helpers/expect-close.js';
import { expectSsdMatches, expectStepMatches, FP32_TOL } from './helpers/kernel-checks.js';

const dtypes = fc.constantFrom<DeviceDType>('float32', 'float16', 'bfloat16');
const kernelChunk = fc.oneof(fc.constantFrom(64, 128, 256), fc.integer({ min: 1, max: 40 }));
const expectCudaMatches = (spec: SsdCaseSpec, chunkSize: number, dtype: DeviceDType) => expectSsdMatches(ssdCuda, spec, chunkSize, dtype);
const expectCudaStepMatches = (spec: SsdCaseSpec, dtype: DeviceDType) => expectStepMatches(ssdStepCuda, spec, dtype);

describe.skipIf(!CUDA.available)(`CUDA kernels on ${CUDA.device?.name ?? 'no device'}`, () => {
  test.prop([ssdCaseSpec({ maxLength: 300 }), kernelChunk, dtypes], { numRuns: 60 })('chunked SSD kernel equals the reference (groups, lengths, chunk sizes, states, limits, dtypes)', (spec, q, dtype) =>
    expectCudaMatches(spec, q, dtype));

  test.prop([ssdCaseSpec({ minLength: 1000, maxLength: 5000, maxBatch: 1 }), fc.constantFrom(64, 128, 256), dtypes], { numRuns: 6 })('long sequences up to 5000 steps', (spec, q, dtype) =>
    expectCudaMatches(spec, q, dtype));

  // The tensor-core path pads (p, n) to (64, 128): the full tile, and shapes beyond it (which take kernel2).
  const withDims = (headDim: fc.Arbitrary<number>, stateSize: fc.Arbitrary<number>, maxLength: number) =>
    fc.tuple(ssdCaseSpec({ maxLength, maxBatch: 2 }), headDim, stateSize).map(([spec, p, n]) => ({ ...spec, dims: { ...spec.dims, headsPerGroup: 1, headDim: p, stateSize: n } }));
  test.prop([withDims(fc.constant(64), fc.constant(128), 600), fc.constantFrom(64, 100, 256), dtypes], { numRuns: 8 })('full tensor-core tile: p = 64, n = 128', (spec, q, dtype) =>
    expectCudaMatches(spec, q, dtype));
  // kernel4 (mma.sync; wgmma for bf16 chunk outputs) takes bf16 with p and n in whole 8s up to
  // the tile; several heads per group share B and C.
  const mmaDims = fc.tuple(ssdCaseSpec({ maxLength: 300, maxBatch: 2 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 16 }))
    .map(([spec, p8, n8]) => ({ ...spec, dims: { ...spec.dims, headDim: 8 * p8, stateSize: 8 * n8 } }));
  test.prop([mmaDims, kernelChunk], { numRuns: 12 })('kernel4 in bf16: p and n multiples of 8 up to (64, 128)', (spec, q) =>
    expectCudaMatches(spec, q, 'bfloat16'));
  // and fp32 (3xTF32) with p and n in whole 4s.
  const tf32Dims = fc.tuple(ssdCaseSpec({ maxLength: 300, maxBatch: 2 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 32 }))
    .map(([spec, p4, n4]) => ({ ...spec, dims: { ...spec.dims, headDim: 4 * p4, stateSize: 4 * n4 } }));
  test.prop([tf32Dims, kernelChunk], { numRuns: 12 })('kernel4 in fp32: p and n multiples of 4 up to (64, 128)', (spec, q) =>
    expectCudaMatches(spec, q, 'float32'));
  // and fp16 in the same shapes, widened to float32 for the fp32 variant and rounded back.
  test.prop([tf32Dims, kernelChunk], { numRuns: 12 })('kernel4 in fp16 (widened to fp32): p and n multiples of 4 up to (64, 128)', (spec, q) =>
    expectCudaMatches(spec, q, 'float16'));
  // Every chunked kernel on the shapes kernel4 takes, chosen by name: each equals the reference,
  // or, where it does not take the dtype or shape, the call says so naming 'kernel'.
  const named = fc.tuple(ssdCaseSpec({ maxLength: 200, maxBatch: 2 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 32 }))
    .map(([spec, p4, n4]) => ({ ...spec, dims: { ...spec.dims, headDim: 4 * p4, stateSize: 4 * n4 } }));
  test.prop([named, kernelChunk, dtypes, fc.constantFrom<ChunkedKernel>('kernel4', 'kernel3', 'kernel2')], { numRuns: 20 })('each kernel by name equals the reference, or refuses the shape naming the argument', async (spec, q, dtype, kernel) => {
    const { headDim: p, stateSize: n } = spec.dims;
    const takes = kernel !== 'kernel4' || dtype !== 'bfloat16' || (p % 8 === 0 && n % 8 === 0);
    if (takes) return expectSsdMatches((inputs, options) => ssdCuda(inputs, { ...options, kernel }), spec, q, dtype);
    await expect(ssdCuda(buildSsdInputs(spec), { chunkSize: q, dtype, kernel })).rejects.toThrow(/^kernel: expected a kernel that takes this dtype and shape/);
  });
  test.prop([withDims(fc.integer({ min: 65, max: 80 }), fc.integer({ min: 1, max: 8 }), 100), kernelChunk, dtypes], { numRuns: 10 })('past the tile (p > 64): the CUDA-core kernel', (spec, q, dtype) =>
    expectCudaMatches(spec, q, dtype));
  test.prop([withDims(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 129, max: 200 }), 100), kernelChunk, dtypes], { numRuns: 10 })('past the tile (n > 128): the CUDA-core kernel', (spec, q, dtype) =>
    expectCudaMatches(spec, q, dtype));

  test.prop([ssdCaseSpec({ maxLength: 20 }), dtypes], { numRuns: 40 })('decode step kernel equals the reference step (with the dt limit)', expectCudaStepMatches);
  // The step has 16 warps of 4 rows (64 rows a pass), loaded as float4 when n is a multiple of
  // 4: more rows than one pass, and both widths.
  const stepDims = fc.tuple(ssdCaseSpec({ maxLength: 4 }), fc.integer({ min: 1, max: 80 }), fc.oneof(fc.integer({ min: 1, max: 40 }).map((k) => 4 * k), fc.integer({ min: 1, max: 160 })))
    .map(([spec, p, n]) => ({ ...spec, dims: { ...spec.dims, headDim: p, stateSize: n } }));
  test.prop([stepDims, dtypes], { numRuns: 20 })('decode step kernel: p up to 80, n up to 160 (float4 and scalar rows)', expectCudaStepMatches);
  // Many more blocks than the GPU holds at once (an H200 holds 264), as a batch of decodes has.
  test.prop([fc.integer({ min: 10, max: 14 }), fc.constantFrom(8, 36), dtypes], { numRuns: 3 })('decode step kernel: blocks past several waves', (batch, n, dtype) =>
    expectCudaStepMatches({ dims: { batch, length: 1, groups: 2, headsPerGroup: 32, headDim: 64, stateSize: n }, withInitialState: true, withLimit: true, valueSeed: batch }, dtype));

  test.prop([fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 2, max: 4 }), fc.boolean(), fc.boolean(), fc.nat()], { numRuns: 40 })(
    'conv kernel equals the reference conv, with and without tail and bias; its tail too',
    async (b, l, channels, K, withTail, withBias, seed) => {
      const r = new SeededRandom(seed);
      const x = r.normals(b * l * channels);
      const weight = tensor([channels, 1, K], r.uniforms(channels * K, -0.5, 0.5));
      const bias = withBias ? tensor([channels], r.normals(channels)) : undefined;
      const tail = withTail ? r.normals(b * (K - 1) * channels) : undefined;
      const exact = causalConv(x, b, l, channels, weight, bias, tail);
      const k = requireKernels();
      await withDeviceScope((track) => {
        const out = k.conv({
          x: track(toDevice(k, tensor([b, l, channels], x), 'float32')),
          weight: track(toDevice(k, tensor([channels, K], weight.data), 'float32')),
          bias: bias && track(toDevice(k, bias, 'float32')),
          tail: tail && track(toDevice(k, tensor([b, K - 1, channels], tail), 'float32')),
        });
        track(out.out);
        track(out.tail);
        expectClose(fromDevice(out.out), tensor([b, l, channels], exact.out), FP32_TOL, 'conv out');
        expectClose(fromDevice(out.tail), tensor([b, K - 1, channels], exact.tail), FP32_TOL, 'conv tail');
      });
    },
  );

  test.prop([fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), fc.nat()], { numRuns: 40 })(
    'gated RMSNorm kernel equals the reference, group-wise and whole-width',
    async (rows, groups, groupSize, whole, seed) => {
      const r = new SeededRandom(seed);
      const width = groups * groupSize;
      const y = r.normals(rows * width);
      const z = r.normals(rows * width);
      const weight = tensor([width], r.normals(width, 1, 0.2));
      const gated = y.map((v, i) => v * silu(z[i]));
      const exact = rmsNorm(gated, whole ? width : groupSize, weight, 1e-5);
      const k = requireKernels();
      await withDeviceScope((track) => {
        const out = track(k.gatedNorm({ y: track(toDevice(k, tensor([rows, width], y), 'float32')), z: track(toDevice(k, tensor([rows, width], z), 'float32')), weight: track(toDevice(k, weight, 'float32')), groupSize: whole ? width : groupSize, eps: 1e-5 }));
        expectClose(fromDevice(out), tensor([rows, width], exact), FP32_TOL, 'gated norm');
      });
    },
  );
});

describe.skipIf(!CUDA.available)('CUDA safety', () => {
  plainTest('bad arguments are errors naming the argument, never an abort', () => {
    const k = requireKernels();
    const x = k.zeros('float32', [1, 4, 2, 3]);
    const B = k.zeros('float32', [1, 4, 1, 5]);
    const h2 = k.zeros('float32', [2]);
    const dt = k.zeros('float32', [1, 4, 2]);
    const base = { x, B, C: B, dt, A: h2, dtBias: h2, chunkSize: 4 };
    expect(() => k.ssdChunked({ ...base, C: k.zeros('float16', [1, 4, 1, 5]) })).toThrow(/^C: expected dtype float32, got float16/);
    expect(() => k.ssdChunked({ ...base, dt: k.zeros('float32', [1, 5, 2]) })).toThrow(/^dt: expected shape \(1, 4, 2\), got \(1, 5, 2\)/);
    expect(() => k.ssdChunked({ ...base, B: k.zeros('float32', [1, 4, 3, 5]), C: k.zeros('float32', [1, 4, 3, 5]) })).toThrow(/^B: expected a group count g dividing h = 2/);
    expect(() => k.ssdChunked({ ...base, chunkSize: 0 })).toThrow(/^chunkSize: expected an integer in \[1, 1024\]/);
    expect(() => k.ssdChunked({ ...base, kernel: 'kernel9' as never })).toThrow(/^kernel: expected one of auto, kernel4, kernel3, kernel2, got kernel9/);
    expect(() => k.ssdChunked({ ...base, kernel: 'kernel4' })).toThrow(/^kernel: expected a kernel that takes this dtype and shape .*, got kernel4 for float32 p = 3, n = 5/);
    expect(() => k.ssdChunked({ ...base, x: { shape: [1] } as never })).toThrow(/^x: expected a DeviceTensor, got another value/);
    expect(() => k.ssdChunked({ ...base, dtLo: 1, dtHi: 0.5 })).toThrow(/^dtLo\/dtHi: expected 0 <= lo <= hi/);
    expect(() => (k.ssdChunked as (...a: unknown[]) => unknown)()).toThrow(/^ssdChunked: expected one object of named arguments/);
    expect(() => k.upload(new Float32Array(3), 'float32', [2, 2])).toThrow(/^data: expected 4 values for shape \(2, 2\), got 3/);
    expect(() => k.upload(new Float32Array(4), 'float16', [4])).toThrow(/^data: expected a Uint16Array/);
    expect(() => k.upload(new Float32Array(4), 'float64' as never, [4])).toThrow(/^dtype: expected one of float32, float16, bfloat16, got float64/);
    dt.free();
    expect(dt.freed).toBe(true);
    expect(() => k.ssdChunked(base)).toThrow(/^dt: expected a live DeviceTensor, got one already freed/);
    expect(() => dt.download()).toThrow(/expected a live DeviceTensor/);
    for (const t of [x, B, h2]) t.free();
  });

  plainTest('a zero-length sequence is refused before the kernel; NaN and Inf propagate without hanging', async () => {
    const k = requireKernels();
    expect(() => k.ssdChunked({ x: k.zeros('float32', [1, 0, 1, 1]), B: k.zeros('float32', [1, 0, 1, 1]), C: k.zeros('float32', [1, 0, 1, 1]), dt: k.zeros('float32', [1, 0, 1]), A: k.zeros('float32', [1]), dtBias: k.zeros('float32', [1]), chunkSize: 4 })).toThrow(/^x: expected b, l, h, p >= 1/);
    const nan = Float32Array.of(NaN, 1, Infinity, 2);
    await withDeviceScope((track) => {
      const out = k.ssdChunked({
        x: track(k.upload(nan, 'float32', [1, 4, 1, 1])), B: track(k.upload(Float32Array.of(1, 1, 1, 1), 'float32', [1, 4, 1, 1])), C: track(k.upload(Float32Array.of(1, 1, 1, 1), 'float32', [1, 4, 1, 1])),
        dt: track(k.upload(Float32Array.of(0, 0, 0, 0), 'float32', [1, 4, 1])), A: track(k.upload(Float32Array.of(-1), 'float32', [1])), dtBias: track(k.upload(Float32Array.of(0), 'float32', [1])), chunkSize: 2,
      });
      track(out.y);
      track(out.finalState);
      expect(Array.from(out.y.download()).some(Number.isNaN)).toBe(true);
    });
  });

  plainTest('timing and fill entry points: positive times per rep, reproducible fills, checked arguments', () => {
    const k = requireKernels();
    const make = (shape: number[], seed: number, lo: number, hi: number) => {
      const t = k.zeros('float32', shape);
      k.fillUniform(t, seed, lo, hi);
      return t;
    };
    const a = make([1000], 7, -1, 1);
    const b = make([1000], 7, -1, 1);
    const values = Array.from(a.download());
    expect(values).toEqual(Array.from(b.download()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(() => k.fillUniform(a, 1, 2, 1)).toThrow(/^lo\/hi: expected finite lo <= hi/);
    const args = { x: make([1, 64, 2, 4], 1, -1, 1), B: make([1, 64, 1, 8], 2, -1, 1), C: make([1, 64, 1, 8], 3, -1, 1), dt: make([1, 64, 2], 4, -2, -1), A: make([2], 5, -2, -1), dtBias: make([2], 6, 0, 0), chunkSize: 16 };
    const ms = k.timeSsdChunked(args, { warmup: 1, reps: 5 });
    expect(ms).toHaveLength(5);
    for (const t of ms) expect(t).toBeGreaterThan(0);
    // A timing call frees the outputs it made (the garbage collector does not see device memory).
    const before = k.memoryInfo().free;
    for (let i = 0; i < 20; i++) k.timeSsdChunked(args, { warmup: 0, reps: 1 });
    expect(k.memoryInfo().free).toBe(before);
    expect(() => k.timeSsdChunked(args, { warmup: 1, reps: 0 })).toThrow(/^reps: expected an integer in \[1, 10000\]/);
    // The copy that gives the decode step's ceiling copies, and times each repetition.
    const copy = k.zeros('float32', [1000]);
    const copyMs = k.timeCopy({ from: a, to: copy }, { warmup: 1, reps: 3 });
    expect(copyMs).toHaveLength(3);
    for (const t of copyMs) expect(t).toBeGreaterThan(0);
    expect(Array.from(copy.download())).toEqual(values);
    expect(() => k.timeCopy({ from: a, to: args.A }, { warmup: 0, reps: 1 })).toThrow(/^to: expected 4000 bytes \(as from\), got 8 bytes/);
    for (const t of [a, b, copy, ...Object.values(args).filter((v) => typeof v === 'object')] as { free(): void }[]) t.free();
  });

  plainTest('out of device memory is a clear error and leaks nothing', () => {
    const k = requireKernels();
    const before = k.memoryInfo().free;
    expect(() => k.zeros('float32', [2 ** 20, 2 ** 20])).toThrow(/^out of device memory: asked for \d+ bytes/);
    expect(k.memoryInfo().free).toBe(before);
  });

  plainTest('10,000 calls in a loop leave device memory where it started', async () => {
    const k = requireKernels();
    const inputs = buildSsdInputs({ dims: { batch: 1, length: 16, groups: 1, headsPerGroup: 2, headDim: 4, stateSize: 4 }, withInitialState: true, withLimit: true, valueSeed: 1 });
    await ssdCuda(inputs, { chunkSize: 8, dtype: 'float32' });
    const before = k.memoryInfo().free;
    for (let i = 0; i < 10_000; i++) await ssdCuda(inputs, { chunkSize: 8, dtype: i % 2 ? 'float16' : 'float32' });
    expect(k.memoryInfo().free).toBe(before);
  });
});

describe.skipIf(CUDA.available)('without a CUDA device (CI)', () => {
  plainTest('the addon reports why it cannot run, and a call says so instead of crashing', async () => {
    expect(CUDA.reason).toMatch(/no CUDA device|not built/);
    const inputs = buildSsdInputs({ dims: { batch: 1, length: 4, groups: 1, headsPerGroup: 1, headDim: 2, stateSize: 2 }, withInitialState: false, withLimit: false, valueSeed: 1 });
    await expect(ssdCuda(inputs, { chunkSize: 4, dtype: 'float32' })).rejects.toThrow(/^--impl cuda: expected a built CUDA addon and a CUDA device, got /);
  });
});

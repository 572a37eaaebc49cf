import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { difference } from '../reference/compare.js';
import { readSsdCase } from '../reference/ssd/case-file.js';
import { ssdChunked, ssdRecurrent, ssdStep } from '../reference/ssd/index.js';
import { tensor } from '../reference/tensor/tensor.js';
import { buildSsdGraph } from '../onnx/graphs/ssd-graph.js';
import type { HostTensor } from '../onnx/runtime/host-tensor.js';
import { OnnxSession } from '../onnx/runtime/session.js';
import { releaseSsdSessions, ssdOnnx, ssdStepOnnx } from '../onnx/ssd.js';
import { chunkSize, ssdInputs } from './arbitraries/ssd-inputs.js';
import { expectClose } from './helpers/expect-close.js';
import { PROVIDER } from './helpers/provider.js';
import { expectInputErrorAsync } from './helpers/expect-input-error.js';
import { ssdFixtureFiles } from './helpers/fixture-paths.js';
import { baselineErrors } from '../reference/ssd/precision-baseline.js';

// float32 graphs against the float64 reference: torch's fp32 atol, as maxRel (semantics section 7).
const FP32_TOL = 1e-5;
const FORMS = ['chunked', 'quadratic'] as const;
afterAll(() => releaseSsdSessions());

describe(`ONNX ssd graphs on the ${PROVIDER} provider`, () => {
  test.prop([ssdInputs(), chunkSize(), fc.constantFrom(...FORMS)], { numRuns: 60 })('fp32 graphs equal the float64 reference', async (inputs, q, form) => {
    const exact = ssdRecurrent(inputs);
    const out = await ssdOnnx(inputs, { form, chunkSize: q, precision: 'fp32', provider: PROVIDER });
    expectClose(out.y, exact.y, FP32_TOL, `${form} y`);
    expectClose(out.finalState, exact.finalState, FP32_TOL, `${form} final state`);
  });

  test.prop([ssdInputs(), chunkSize(), fc.constantFrom(...FORMS)], { numRuns: 40 })(
    'fp16 graphs stay within 2x the error of the reference rounded to fp16',
    async (inputs, q, form) => {
      const exact = ssdChunked(inputs, q);
      const baseline = baselineErrors('fp16', inputs, exact, q);
      const out = await ssdOnnx(inputs, { form, chunkSize: q, precision: 'fp16', provider: PROVIDER });
      expect(difference(out.y, exact.y).maxRel).toBeLessThanOrEqual(2 * baseline.y + 1e-6);
      expect(difference(out.finalState, exact.finalState).maxRel).toBeLessThanOrEqual(2 * baseline.finalState + 1e-6);
    },
  );

  test.each(ssdFixtureFiles())('shared case %s passes through both graphs and the decode step', async (path) => {
    const c = readSsdCase(path);
    const f64 = c.expected.get('f64')!;
    const stepF64 = c.step!.expected.get('f64')!;
    for (const form of FORMS) {
      const options = { form, chunkSize: c.chunkSize ?? 64, precision: 'fp32', provider: PROVIDER } as const;
      const out = await ssdOnnx(c.inputs, options);
      expectClose(out.y, f64.y!, FP32_TOL, `${c.name} ${form} y`);
      expectClose(out.finalState, f64.finalState!, FP32_TOL, `${c.name} ${form} final state`);
      const step = await ssdStepOnnx({ ...c.step!.inputs, state: out.finalState }, options);
      expectClose(step.y, stepF64.y!, FP32_TOL, `${c.name} ${form} step y`);
      expectClose(step.state, stepF64.state!, FP32_TOL, `${c.name} ${form} step state`);
      // The reference step from the ONNX state agrees too: the state is what it should be.
      expectClose(ssdStep({ ...c.step!.inputs, state: out.finalState }).y, stepF64.y!, FP32_TOL, `${c.name} reference step from ONNX state`);
    }
  });

  test.prop([ssdInputs({ maxLength: 8 }), fc.constantFrom('dt', 'C', 'initialState'), fc.integer({ min: 1, max: 2 })])(
    'bad shapes are InputErrors naming the tensor, before any run',
    async (inputs, argument, extra) => {
      const [b, , h, p] = inputs.x.shape;
      const t = inputs[argument] ?? tensor([b, h, p, inputs.B.shape[3]]);
      const shape = [...t.shape];
      shape[shape.length - 1] += extra;
      await expectInputErrorAsync(() => ssdOnnx({ ...inputs, [argument]: tensor(shape) }, { form: 'chunked', chunkSize: 4, precision: 'fp32', provider: PROVIDER }), argument);
    },
  );

  test.prop([fc.constantFrom('missing', 'dtype', 'rank', 'fixed', 'symbolic', 'extra')])('the runner names the input it cannot take', async (fault) => {
    const session = await OnnxSession.create(buildSsdGraph({ dims: { heads: 2, headDim: 3, groups: 1, stateSize: 4 }, form: 'chunked', chunkSize: 4, precision: 'fp32' }).build(), PROVIDER);
    const f32 = (dims: number[]): HostTensor => ({ dtype: 'float32', dims, data: new Float32Array(dims.reduce((n, d) => n * d, 1)) });
    const feeds: Record<string, HostTensor> = {
      x: f32([1, 5, 2, 3]), dt: f32([1, 5, 2]), A: f32([2]), B: f32([1, 5, 1, 4]), C: f32([1, 5, 1, 4]),
      D: f32([2]), dt_bias: f32([2]), initial_state: f32([1, 2, 3, 4]), dt_limit: f32([2]),
    };
    await expect(session.run(feeds)).resolves.toHaveProperty('y');
    const broken = { ...feeds };
    const expected = {
      missing: () => { delete broken.C; return /^input 'C': expected a float32 tensor of dims \(batch, seq, 1, 4\), got nothing/; },
      dtype: () => { broken.D = { dtype: 'float16', dims: [2], data: new Uint16Array(2) }; return /^input 'D': expected element type float32, got float16/; },
      rank: () => { broken.dt = f32([1, 5]); return /^input 'dt': expected dims \(batch, seq, 2\), got \(1, 5\)/; },
      fixed: () => { broken.A = f32([3]); return /^input 'A': expected dims \(2\), got \(3\)/; },
      symbolic: () => { broken.B = f32([1, 6, 1, 4]); return /^input 'B': expected seq = 5 \(as input 'x' has\), got 6/; },
      extra: () => { broken.z = f32([1]); return /^inputs: expected only x, dt, A, B, C, D, dt_bias, initial_state, dt_limit, got also z/; },
    }[fault]();
    await expectInputErrorAsync(() => session.run(broken), expected);
    await session.release();
  });
});

import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { softplus, ssdChunked, ssdQuadratic, ssdRecurrent } from '../reference/ssd/index.js';
import { tensor } from '../reference/tensor/tensor.js';
import { chunkSize, ssdInputs } from './arbitraries/ssd-inputs.js';
import { expectClose } from './helpers/expect-close.js';
import { repeatGroupsPerHead, sliceInputsTime } from './helpers/ssd-transforms.js';

// Float64 forms that compute the same function in different orders agree to rounding.
const TOL = 1e-10;

describe('SSD duality (float64 reference)', () => {
  test.prop([ssdInputs(), chunkSize()])('quadratic, recurrent and chunked forms agree', (inputs, q) => {
    const recurrent = ssdRecurrent(inputs);
    for (const [name, out] of [['quadratic', ssdQuadratic(inputs)], ['chunked', ssdChunked(inputs, q)]] as const) {
      expectClose(out.y, recurrent.y, TOL, `${name} y`);
      expectClose(out.finalState, recurrent.finalState, TOL, `${name} final state`);
    }
  });

  test.prop([ssdInputs({ maxLength: 40 }), chunkSize()])('state passing: [0,k) then [k,l) from its final state equals one run, for every k', (inputs, q) => {
    const l = inputs.x.shape[1];
    const whole = ssdChunked(inputs, q);
    for (let k = 0; k <= l; k++) {
      const first = ssdChunked(sliceInputsTime(inputs, 0, k), q);
      const second = ssdChunked({ ...sliceInputsTime(inputs, k, l), initialState: first.finalState }, q);
      expectClose(second.finalState, whole.finalState, TOL, `final state split at ${k}`);
      expectClose(first.y, sliceInputsTime({ ...inputs, x: whole.y }, 0, k).x, TOL, `y before ${k}`);
      expectClose(second.y, sliceInputsTime({ ...inputs, x: whole.y }, k, l).x, TOL, `y after ${k}`);
    }
  });

  test.prop([ssdInputs(), chunkSize(), chunkSize()])('chunk size does not change the result', (inputs, q1, q2) => {
    const a = ssdChunked(inputs, q1);
    const b = ssdChunked(inputs, q2);
    expectClose(a.y, b.y, TOL, `y, q ${q1} vs ${q2}`);
    expectClose(a.finalState, b.finalState, TOL, `final state, q ${q1} vs ${q2}`);
  });

  test.prop([ssdInputs(), chunkSize()])('groups: g = h with B, C repeated per head equals g < h', (inputs, q) => {
    const heads = inputs.x.shape[2];
    const perHead = { ...inputs, B: repeatGroupsPerHead(inputs.B, heads), C: repeatGroupsPerHead(inputs.C, heads) };
    for (const run of [ssdRecurrent, ssdQuadratic, (i: typeof inputs) => ssdChunked(i, q)]) {
      const grouped = run(inputs);
      const expanded = run(perHead);
      expectClose(grouped.y, expanded.y, TOL, 'y');
      expectClose(grouped.finalState, expanded.finalState, TOL, 'final state');
    }
  });

  test.prop([ssdInputs(), chunkSize(), fc.double({ min: 1e-3, max: 2, noNaN: true })])('limits: with lo = hi every dt is that constant', (inputs, q, value) => {
    const clamped = ssdChunked({ ...inputs, timeStepLimit: [value, value] }, q);
    // Other raw dt give bit-identical results: the clamp erased them.
    const otherDt = tensor(inputs.dt.shape, inputs.dt.data.map((v) => v * 3 + 1));
    const clampedOther = ssdChunked({ ...inputs, dt: otherDt, timeStepLimit: [value, value] }, q);
    expect(Array.from(clampedOther.y.data)).toEqual(Array.from(clamped.y.data));
    // And the result is that of raw dt chosen so that softplus(dt + bias) is the constant.
    const heads = inputs.x.shape[2];
    const inverse = Math.log(Math.expm1(value));
    const exactDt = tensor(inputs.dt.shape, inputs.dt.data.map((_, i) => inverse - inputs.dtBias.data[i % heads]));
    expect(Math.abs(softplus(inverse) - value)).toBeLessThan(1e-12);
    const unclamped = ssdRecurrent({ ...inputs, dt: exactDt, timeStepLimit: undefined });
    expectClose(clamped.y, unclamped.y, TOL, 'y');
    expectClose(clamped.finalState, unclamped.finalState, TOL, 'final state');
  });
});

import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { InputError } from '../reference/errors.js';
import { expectInputError } from './helpers/expect-input-error.js';
import { ssdChunked, ssdQuadratic, ssdRecurrent, ssdStep, type SsdInputs, type SsdStepInputs } from '../reference/ssd/index.js';
import { tensor, type Tensor } from '../reference/tensor/tensor.js';
import { buildSsdInputs, ssdCaseSpec } from './arbitraries/ssd-inputs.js';

type Run = (inputs: SsdInputs) => unknown;
const FORMS: [string, Run][] = [['quadratic', ssdQuadratic], ['recurrent', ssdRecurrent], ['chunked', (i) => ssdChunked(i, 4)]];


const TENSOR_ARGS = ['x', 'dt', 'dtBias', 'ALog', 'B', 'C', 'D', 'initialState'] as const;

/** `t` with one axis resized by delta (never to the same size), or one axis added or dropped. */
function misshape(t: Tensor, axis: number, delta: number, rankChange: number): Tensor {
  const shape = [...t.shape];
  if (rankChange > 0) shape.push(1 + (delta % 2));
  else if (rankChange < 0 && shape.length > 1) shape.pop();
  else shape[axis % shape.length] = Math.max(0, shape[axis % shape.length] + delta);
  return tensor(shape, new Float64Array(shape.reduce((n, s) => n * s, 1)).fill(0.5));
}

describe('bad input to the SSD reference is a clear InputError', () => {
  const withState = ssdCaseSpec().map((spec) => buildSsdInputs({ ...spec, withInitialState: true }));
  const delta = fc.integer({ min: 1, max: 3 }).chain((d) => fc.constantFrom(d, -d));

  test.prop([withState, fc.constantFrom(...TENSOR_ARGS), fc.nat(3), delta, fc.integer({ min: -1, max: 1 })])(
    'a tensor of the wrong shape names that tensor',
    (inputs, argument, axis, d, rankChange) => {
      const bad = misshape(inputs[argument]!, axis, d, rankChange);
      // x and B define the dims, so a bad x or B may be reported through the tensor it disagrees with.
      const definers = argument === 'x' || argument === 'B';
      for (const [, run] of FORMS) {
        if (!definers) expectInputError(() => run({ ...inputs, [argument]: bad }), argument);
        else expect(() => run({ ...inputs, [argument]: bad })).toThrow(InputError);
      }
    },
  );

  test.prop([withState, fc.integer({ min: 2, max: 5 })])('h % g != 0 names B', (inputs, groups) => {
    const [b, l, h] = inputs.x.shape;
    fc.pre(h % groups !== 0);
    const n = inputs.B.shape[3];
    const B = tensor([b, l, groups, n]);
    for (const [, run] of FORMS) expectInputError(() => run({ ...inputs, B, C: B }), 'B');
  });

  test.prop([withState, fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.constant(NaN))])('a chunk size that is not an integer >= 1 names chunkSize', (inputs, q) => {
    expectInputError(() => ssdChunked(inputs, q), 'chunkSize');
  });

  test.prop([withState, fc.constantFrom(...TENSOR_ARGS), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity)])(
    'a non-finite value names its tensor',
    (inputs, argument, where, value) => {
      const t = inputs[argument]!;
      const data = Float64Array.from(t.data);
      data[where % data.length] = value;
      for (const [, run] of FORMS) expectInputError(() => run({ ...inputs, [argument]: tensor(t.shape, data) }), argument);
    },
  );

  test.prop([fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 })])(
    'tensor data of the wrong length names data',
    (shape, extra) => {
      const count = shape.reduce((n, s) => n * s, 1);
      expectInputError(() => tensor(shape, new Float64Array(count + extra)), 'data');
    },
  );

  test.prop([withState, fc.double({ min: 0, max: 10, noNaN: true })])('a non-negative A names A', (inputs, value) => {
    const h = inputs.x.shape[2];
    const A = tensor([h], Array.from({ length: h }, (_, i) => (i === 0 ? value : -1)));
    for (const [, run] of FORMS) expectInputError(() => run({ ...inputs, ALog: undefined, A }), 'A');
  });

  test.prop([withState, fc.double({ noNaN: false }), fc.double({ noNaN: false })])('an invalid time_step_limit names timeStepLimit', (inputs, lo, hi) => {
    fc.pre(!(lo >= 0 && hi >= lo));
    for (const [, run] of FORMS) expectInputError(() => run({ ...inputs, timeStepLimit: [lo, hi] }), 'timeStepLimit');
  });

  test.prop([withState, fc.constantFrom('x', 'dt', 'B', 'C', 'state'), delta])('a decode step with a misshapen tensor names it', (inputs, argument, d) => {
    const [b, , h, p] = inputs.x.shape;
    const [, , g, n] = inputs.B.shape;
    const good: Record<string, Tensor> = { x: tensor([b, h, p]), dt: tensor([b, h]), B: tensor([b, g, n]), C: tensor([b, g, n]), state: tensor([b, h, p, n]) };
    const t = good[argument];
    const shape = [...t.shape];
    shape[shape.length - 1] = Math.max(0, shape[shape.length - 1] + d);
    const step: SsdStepInputs = { ...inputs, x: good.x, dt: good.dt, B: good.B, C: good.C, state: good.state, [argument]: tensor(shape) };
    // x and B define the dims, so a bad x or B may be reported through the tensor it disagrees with.
    if (argument === 'x' || argument === 'B') expect(() => ssdStep(step)).toThrow(InputError);
    else expectInputError(() => ssdStep(step), argument);
  });
});

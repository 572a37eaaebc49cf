import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { linear, rmsNorm } from '../reference/model/ops.js';
import { SeededRandom } from '../reference/tensor/seeded-random.js';
import { tensor } from '../reference/tensor/tensor.js';

describe('model building blocks', () => {
  test.prop([fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.nat()])(
    'the blocked linear equals one dot product per output, to the bit, for any (rows, out, in)',
    (rows, outFeatures, inFeatures, withBias, seed) => {
      const random = new SeededRandom(seed);
      const input = random.normals(rows * inFeatures);
      const weight = tensor([outFeatures, inFeatures], random.normals(outFeatures * inFeatures));
      const bias = withBias ? tensor([outFeatures], random.normals(outFeatures)) : undefined;
      const out = linear(input, rows, weight, bias);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < outFeatures; o++) {
          let acc = bias ? bias.data[o] : 0;
          for (let i = 0; i < inFeatures; i++) acc += input[r * inFeatures + i] * weight.data[o * inFeatures + i];
          expect(out[r * outFeatures + o]).toBe(acc);
        }
      }
    },
  );

  test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.nat()])(
    'group-wise RMSNorm of g groups equals the whole-width norm applied to each group alone',
    (rows, groups, width, seed) => {
      const random = new SeededRandom(seed);
      const values = random.normals(rows * groups * width);
      const weight = tensor([groups * width], random.normals(groups * width, 1, 0.2));
      const grouped = rmsNorm(values, width, weight, 1e-5);
      for (let r = 0; r < rows; r++) {
        for (let g = 0; g < groups; g++) {
          const at = (r * groups + g) * width;
          const alone = rmsNorm(values.slice(at, at + width), width, tensor([width], weight.data.slice(g * width, (g + 1) * width)), 1e-5);
          expect(Array.from(grouped.slice(at, at + width))).toEqual(Array.from(alone));
        }
      }
    },
  );
});

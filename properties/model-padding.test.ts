import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { generate } from '../reference/model/generate.js';
import { randomModel } from '../reference/model/random-model.js';
import { tensor } from '../reference/tensor/tensor.js';
import { modelAndPrompts } from './arbitraries/random-model.js';
import { expectClose } from './helpers/expect-close.js';
import { padRows } from '../reference/model/padding.js';
import { batchRow, rowSlice } from './helpers/padding.js';

const TOL = 1e-9;

describe('model: padding is invisible in reference semantics', () => {
  test.prop([modelAndPrompts({ maxLength: 10 }), fc.array(fc.nat(), { minLength: 3, maxLength: 3 }), fc.constantFrom('left', 'right'), fc.integer({ min: 1, max: 4 })])(
    'every real position, the final state, the conv tail and the greedy continuation equal the unpadded row',
    async ({ spec, rows }, cuts, side, maxNewTokens) => {
      const model = randomModel(spec);
      const ragged = rows.map((r, i) => r.slice(0, 1 + (cuts[i] % r.length)));
      const padded = padRows(ragged, side, 0);
      const width = padded.inputIds.shape[1];
      const batch = model.forward(padded);
      const continued = await generate(model, padded, { maxNewTokens });
      for (const [i, row] of ragged.entries()) {
        const alone = model.forward({ inputIds: tensor([1, row.length], row) });
        const start = side === 'left' ? width - row.length : 0;
        expectClose(rowSlice(batch.logits, i, start, start + row.length), alone.logits, TOL, `row ${i} real logits`);
        batch.cache.forEach((layer, k) => {
          expectClose(batchRow(layer.state, i), alone.cache[k].state, TOL, `row ${i} layer ${k} state`);
          expectClose(batchRow(layer.convTail, i), alone.cache[k].convTail, TOL, `row ${i} layer ${k} conv tail`);
        });
        const aloneContinued = await generate(model, { inputIds: tensor([1, row.length], row) }, { maxNewTokens });
        const newTokens = Array.from(continued.sequences.data.subarray(i * (width + maxNewTokens) + width, (i + 1) * (width + maxNewTokens)));
        expect(newTokens).toEqual(Array.from(aloneContinued.sequences.data.subarray(row.length)));
        expectClose(batchRow(continued.logits, i), aloneContinued.logits, TOL, `row ${i} generated logits`);
      }
    },
  );
});

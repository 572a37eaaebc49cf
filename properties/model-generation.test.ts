import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { generate } from '../reference/model/generate.js';
import { randomModel } from '../reference/model/random-model.js';
import { SSD_FORMS } from '../reference/ssd/index.js';
import { tensor } from '../reference/tensor/tensor.js';
import { modelAndPrompts } from './arbitraries/random-model.js';
import { expectClose } from './helpers/expect-close.js';
import { padRows } from '../reference/model/padding.js';
import { batchRow, rowSlice } from './helpers/padding.js';

const TOL = 1e-9;

describe('model: cache and generation (reference semantics)', () => {
  test.prop([modelAndPrompts(), fc.integer({ min: 1, max: 6 }), fc.constantFrom('left', 'right', 'none')])(
    'cached greedy generation = uncached: same tokens, logits within 1e-9 (limits binding or not)',
    async ({ spec, rows }, maxNewTokens, padding) => {
      const model = randomModel(spec);
      const ragged = rows.map((r, i) => r.slice(0, Math.max(1, r.length - i)));
      const prompt = padding === 'none' ? { inputIds: tensor([rows.length, rows[0].length], rows.flat()) } : padRows(ragged, padding, 0);
      const cached = await generate(model, prompt, { maxNewTokens, useCache: true });
      const uncached = await generate(model, prompt, { maxNewTokens, useCache: false });
      expect(Array.from(cached.sequences.data)).toEqual(Array.from(uncached.sequences.data));
      expectClose(cached.logits, uncached.logits, TOL, 'step logits');
    },
  );

  test.prop([modelAndPrompts({ maxLength: 10 })])('prefix + multi-token continuation = one pass, for every split', ({ spec, rows }) => {
    const model = randomModel(spec);
    const [b, l] = [rows.length, rows[0].length];
    const ids = tensor([b, l], rows.flat());
    const whole = model.forward({ inputIds: ids });
    for (let k = 1; k < l; k++) {
      const prefix = model.forward({ inputIds: tensor([b, k], rows.flatMap((r) => r.slice(0, k))) });
      const rest = model.forward({ inputIds: tensor([b, l - k], rows.flatMap((r) => r.slice(k))), cache: prefix.cache });
      for (let row = 0; row < b; row++) {
        expectClose(batchRow(rest.logits, row), rowSlice(whole.logits, row, k, l), TOL, `row ${row} logits after ${k}`);
      }
      rest.cache.forEach((layer, i) => {
        expectClose(layer.state, whole.cache[i].state, TOL, `layer ${i} state after split ${k}`);
        expectClose(layer.convTail, whole.cache[i].convTail, TOL, `layer ${i} conv tail after split ${k}`);
      });
    }
  });

  test.prop([modelAndPrompts(), fc.integer({ min: 1, max: 16 }), fc.constantFrom('reference', 'hf')])(
    'logits do not depend on the chunk size or the SSD form',
    ({ spec, rows }, chunkSize, semantics) => {
      const model = randomModel(spec);
      const inputIds = tensor([rows.length, rows[0].length], rows.flat());
      const base = model.forward({ inputIds }, { semantics });
      for (const form of SSD_FORMS) {
        const other = model.forward({ inputIds }, { semantics, form, chunkSize });
        expectClose(other.logits, base.logits, TOL, `${form} q=${chunkSize} logits`);
        other.cache.forEach((layer, i) => expectClose(layer.state, base.cache[i].state, TOL, `${form} layer ${i} state`));
      }
    },
  );
});

import { fc, test } from '@fast-check/vitest';
import { join } from 'node:path';
import { describe, expect, test as plainTest } from 'vitest';
import { checkOracle, LOGITS_TOLERANCE } from '../cli/checks/model-oracle.js';
import { difference } from '../reference/compare.js';
import { loadCheckpoint } from '../reference/model/checkpoint.js';
import { generate } from '../reference/model/generate.js';
import { padRows } from '../reference/model/padding.js';
import { withRoundedWeights } from '../reference/model/precision-emulation.js';
import { randomModel } from '../reference/model/random-model.js';
import { tensor } from '../reference/tensor/tensor.js';
import { OnnxModel } from '../onnx/model.js';
import { modelAndPrompts } from './arbitraries/random-model.js';
import { expectClose } from './helpers/expect-close.js';
import { PROVIDER } from './helpers/provider.js';
import { expectInputErrorAsync } from './helpers/expect-input-error.js';
import { hfCheckpointDirs } from './helpers/oracle.js';
import { batchRow, rowSlice } from './helpers/padding.js';
import { expectSameTokens } from './helpers/tokens.js';

// A float32 model against the float64 reference, as maxRel over a whole output. Looser than
// the SSD graphs' 1e-5: each RMSNorm divides by the rms of its input, so on small activations
// float32 rounding grows through 1..3 layers (seen: up to 6.8e-5 over 240 random models).
const FP32_TOL = 2e-4;
// The fp32 accuracy property's models take layer_norm_epsilon 1e-3 rather than HF's 1e-5: a
// gated-norm group of one value (head dim 1, one head a group) that crosses zero multiplies
// its input's rounding by up to 1/sqrt(eps), 316 at 1e-5. Seen: 7.8e-4 at one position of one
// model (seed 502719608), 5.5e-7 with eps 1e-3; the float64 answer there is ill-conditioned,
// not the graph wrong. HF's eps is in the checkpoint and fp16 properties below.
const WELL_CONDITIONED_EPS = 1e-3;
const RUNS = { numRuns: 15 };

async function withOnnx<T>(model: ConstructorParameters<typeof OnnxModel>[0], options: ConstructorParameters<typeof OnnxModel>[1], body: (onnx: OnnxModel) => Promise<T>): Promise<T> {
  const onnx = new OnnxModel(model, options);
  try {
    return await body(onnx);
  } finally {
    await onnx.release();
  }
}

describe(`ONNX model graphs on the ${PROVIDER} provider`, () => {
  test.prop([modelAndPrompts(), fc.constantFrom('reference', 'hf')], RUNS)('fp32 prefill logits and caches equal the reference model', async ({ spec, rows }, semantics) => {
    const model = randomModel({ ...spec, normEpsilon: WELL_CONDITIONED_EPS });
    const inputs = padRows(rows.map((r, i) => r.slice(0, Math.max(1, r.length - 2 * i))), 'left', 0);
    const exact = model.forward(inputs, { semantics });
    await withOnnx(model, { semantics, precision: 'fp32', provider: PROVIDER }, async (onnx) => {
      const out = await onnx.forward(inputs);
      const compared = semantics === 'reference' ? realPositions(out.logits, inputs.attentionMask) : out.logits;
      expectClose(compared, semantics === 'reference' ? realPositions(exact.logits, inputs.attentionMask) : exact.logits, FP32_TOL, 'logits');
      out.cache.forEach((layer, i) => {
        expectClose(layer.state, exact.cache[i].state, FP32_TOL, `layer ${i} state`);
        expectClose(layer.convTail, exact.cache[i].convTail, FP32_TOL, `layer ${i} conv tail`);
      });
    });
  });

  test.prop([modelAndPrompts(), fc.integer({ min: 1, max: 5 })], RUNS)('cached generation through the step graph = uncached through the prefill graph', async ({ spec, rows }, maxNewTokens) => {
    const model = randomModel(spec);
    const prompt = padRows(rows.map((r, i) => r.slice(0, Math.max(1, r.length - i))), 'left', 0);
    await withOnnx(model, { semantics: 'reference', precision: 'fp32', provider: PROVIDER }, async (onnx) => {
      const cached = await generate(onnx, prompt, { maxNewTokens, useCache: true });
      const uncached = await generate(onnx, prompt, { maxNewTokens, useCache: false });
      expectSameTokens(cached, uncached, prompt.inputIds.shape[1]);
      const reference = await generate(model, prompt, { maxNewTokens });
      expectSameTokens(reference, cached, prompt.inputIds.shape[1]);
    });
  });

  test.prop([modelAndPrompts({ maxLength: 10 }), fc.constantFrom('left', 'right')], RUNS)('padding is invisible through ONNX too (reference semantics)', async ({ spec, rows }, side) => {
    const model = randomModel(spec);
    const ragged = rows.map((r, i) => r.slice(0, 1 + ((r.length + i) % r.length)));
    const padded = padRows(ragged, side, 0);
    const width = padded.inputIds.shape[1];
    await withOnnx(model, { semantics: 'reference', precision: 'fp32', provider: PROVIDER }, async (onnx) => {
      const batch = await onnx.forward(padded);
      for (const [i, row] of ragged.entries()) {
        const alone = await onnx.forward({ inputIds: tensor([1, row.length], row) });
        const start = side === 'left' ? width - row.length : 0;
        expectClose(rowSlice(batch.logits, i, start, start + row.length), alone.logits, FP32_TOL, `row ${i} real logits`);
        batch.cache.forEach((layer, k) => {
          expectClose(batchRow(layer.state, i), alone.cache[k].state, FP32_TOL, `row ${i} layer ${k} state`);
          expectClose(batchRow(layer.convTail, i), alone.cache[k].convTail, FP32_TOL, `row ${i} layer ${k} conv tail`);
        });
      }
    });
  });

  test.prop([modelAndPrompts(), fc.constantFrom('reference', 'hf')], RUNS)('fp16 graphs stay within 2x the error of the reference emulating fp16', async ({ spec, rows }, semantics) => {
    const model = randomModel(spec);
    const inputIds = tensor([rows.length, rows[0].length], rows.flat());
    const exact = model.forward({ inputIds }, { semantics });
    const emulated = withRoundedWeights(model, 'fp16').forward({ inputIds }, { semantics, activationPrecision: 'fp16' });
    const baseline = difference(emulated.logits, exact.logits).maxRel;
    await withOnnx(model, { semantics, precision: 'fp16', provider: PROVIDER }, async (onnx) => {
      const out = await onnx.forward({ inputIds });
      expect(difference(out.logits, exact.logits).maxRel).toBeLessThanOrEqual(2 * baseline + FP32_TOL);
    });
  });

  test.each(hfCheckpointDirs())('HF checkpoint %s passes through ONNX fp32 as through the reference', async (dir) => {
    const { model } = loadCheckpoint(dir);
    const semantics = model.config.n_groups === 1 ? (['hf', 'reference'] as const) : (['hf'] as const);
    for (const s of semantics) {
      await withOnnx(model, { semantics: s, precision: 'fp32', provider: PROVIDER }, async (onnx) => {
        const result = await checkOracle(onnx, join(dir, 'oracle.safetensors'), s);
        for (const r of result.logits.filter((x) => x.against === 'f64')) expect(r.maxAbs, `${s} ${r.case}`).toBeLessThanOrEqual(LOGITS_TOLERANCE);
        for (const seq of result.sequences) expect(seq.match, `${s} ${seq.name}`).toBe(true);
      });
    }
  });

  plainTest('bad input to the ONNX model is an InputError', async () => {
    const model = randomModel({ layers: 1, groups: 1, headsPerGroup: 2, headDim: 2, stateSize: 2, kernel: 3, chunkSize: 4, vocab: 8, useBias: false, useConvBias: true, tie: true, seed: 5 });
    await withOnnx(model, { semantics: 'reference', precision: 'fp32', provider: PROVIDER }, async (onnx) => {
      await expectInputErrorAsync(() => onnx.forward({ inputIds: tensor([1, 3], [1, 2, 8]) }), 'inputIds');
      await expectInputErrorAsync(() => onnx.forward({ inputIds: tensor([1, 3], [1, 2, 3]), attentionMask: tensor([1, 3], [1, 2, 1]) }), 'attentionMask');
      await expectInputErrorAsync(() => onnx.forward({ inputIds: tensor([1, 3], [1, 2, 3]), attentionMask: tensor([1, 4], [1, 1, 1, 1]) }), 'attentionMask');
      const { cache } = await onnx.forward({ inputIds: tensor([1, 3], [1, 2, 3]) });
      await expectInputErrorAsync(() => onnx.forward({ inputIds: tensor([1, 2], [1, 2]), cache }), 'inputIds');
      await expectInputErrorAsync(() => onnx.forward({ inputIds: tensor([1, 3], [1, 2, 3]) }, { semantics: 'hf' }), 'semantics');
    });
  });
});

/** The logits at real positions only, as one flat tensor (padded outputs are undefined). */
function realPositions(logits: ReturnType<typeof tensor>, mask: ReturnType<typeof tensor>): ReturnType<typeof tensor> {
  const vocab = logits.shape[2];
  const kept: number[] = [];
  mask.data.forEach((m, position) => {
    if (m === 1) kept.push(...logits.data.subarray(position * vocab, (position + 1) * vocab));
  });
  return tensor([kept.length], kept);
}

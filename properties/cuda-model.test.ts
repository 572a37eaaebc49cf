import { fc, test } from '@fast-check/vitest';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { checkModel } from '../cli/checks/model-check.js';
import { checkSsdCase } from '../cli/checks/ssd-case.js';
import { cudaSsd } from '../cli/checks/ssd-implementations.js';
import { loadCheckpoint } from '../reference/model/checkpoint.js';
import { generate } from '../reference/model/generate.js';
import { padRows } from '../reference/model/padding.js';
import { randomModel } from '../reference/model/random-model.js';
import { readSsdCase } from '../reference/ssd/case-file.js';
import { CudaModel } from '../kernels/model.js';
import { modelAndPrompts } from './arbitraries/random-model.js';
import { CUDA } from './helpers/cuda.js';
import { expectClose } from './helpers/expect-close.js';
import { ssdFixtureFiles } from './helpers/fixture-paths.js';
import { hfCheckpointDirs } from './helpers/oracle.js';
import { expectSameTokens } from './helpers/tokens.js';

// fp32 kernels with float64 projections, through 1..3 layers of RMSNorm (as onnx-model.test.ts).
const MODEL_TOL = 2e-4;

describe.skipIf(!CUDA.available)('CUDA: fixtures and the model', () => {
  test.each(ssdFixtureFiles())('shared SSD case %s passes through the kernels in fp32, fp16 and bf16', async (path) => {
    const c = readSsdCase(path);
    for (const precision of ['fp32', 'fp16', 'bf16'] as const) {
      const result = await checkSsdCase(c, cudaSsd(precision), { forms: ['chunked'], chunkSize: c.chunkSize ?? 64, timeStepLimit: c.inputs.timeStepLimit ?? [0, Infinity] });
      for (const r of result.results.filter((x) => x.against === 'f64')) expect(r.maxRel, `${precision} ${r.output}`).toBeLessThanOrEqual(r.tolerance);
    }
  });

  test.each(hfCheckpointDirs())('HF checkpoint %s: logits and cached generation on the GPU match HF', async (dir) => {
    const { model } = loadCheckpoint(dir);
    const semantics = model.config.n_groups === 1 ? (['hf', 'reference'] as const) : (['hf'] as const);
    for (const s of semantics) {
      const result = await checkModel(model, { impl: 'cuda', provider: 'cpu', precision: 'fp32' }, join(dir, 'oracle.safetensors'), s);
      expect(result.pass, JSON.stringify([...result.logits.filter((r) => !r.pass), ...result.sequences.filter((q) => !q.match)])).toBe(true);
    }
  });

  test.prop([modelAndPrompts(), fc.integer({ min: 1, max: 4 }), fc.constantFrom('left', 'right')], { numRuns: 15 })(
    'random models: prefill logits and caches equal the reference; cached generation gives its tokens',
    async ({ spec, rows }, maxNewTokens, side) => {
      const model = randomModel(spec);
      const prompt = padRows(rows.map((r, i) => r.slice(0, Math.max(1, r.length - i))), side, 0);
      const cuda = new CudaModel(model, { semantics: 'reference', dtype: 'float32' });
      const exact = model.forward(prompt);
      const out = await cuda.forward(prompt);
      out.cache.forEach((layer, i) => {
        expectClose(layer.state, exact.cache[i].state, MODEL_TOL, `layer ${i} state`);
        expectClose(layer.convTail, exact.cache[i].convTail, MODEL_TOL, `layer ${i} conv tail`);
      });
      const reference = await generate(model, prompt, { maxNewTokens });
      const onGpu = await generate(cuda, prompt, { maxNewTokens });
      expectSameTokens(reference, onGpu, prompt.inputIds.shape[1]);
    },
  );
});

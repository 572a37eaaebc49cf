import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkModel } from '../cli/checks/model-check.js';
import { checkSsdCase } from '../cli/checks/ssd-case.js';
import { onnxSsd } from '../cli/checks/ssd-implementations.js';
import { loadCheckpoint } from '../reference/model/checkpoint.js';
import { readSsdCase } from '../reference/ssd/case-file.js';
import { ssdFixtureFiles } from './helpers/fixture-paths.js';
import { hfCheckpointDirs } from './helpers/oracle.js';
import { providerUnavailable } from './helpers/provider.js';

// The shared fixtures through the webgpu provider: runs where a WebGPU adapter exists (the GPU
// host, with the Vulkan loader), and skips with the reason everywhere else.
const unavailable = await providerUnavailable('webgpu');
if (unavailable) console.log(`webgpu tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('webgpu provider', () => {
  test.each(ssdFixtureFiles())('SSD case %s passes through the ssd graphs in fp32 and fp16', async (path) => {
    const c = readSsdCase(path);
    for (const precision of ['fp32', 'fp16'] as const) {
      const impl = onnxSsd('webgpu', precision);
      const result = await checkSsdCase(c, impl, { forms: impl.forms, chunkSize: c.chunkSize ?? 64, timeStepLimit: c.inputs.timeStepLimit ?? [0, Infinity] });
      for (const r of result.results.filter((x) => x.against === 'f64')) expect(r.maxRel, `${precision} ${r.form} ${r.output}`).toBeLessThanOrEqual(r.tolerance);
    }
  });

  test.each(hfCheckpointDirs())('HF checkpoint %s passes through the prefill and step graphs', async (dir) => {
    const { model } = loadCheckpoint(dir);
    for (const precision of ['fp32', 'fp16'] as const) {
      const result = await checkModel(model, { impl: 'onnx', provider: 'webgpu', precision }, join(dir, 'oracle.safetensors'), 'hf');
      expect(result.pass, `${precision}: ${JSON.stringify(result.logits.filter((r) => !r.pass))}`).toBe(true);
    }
  });
});

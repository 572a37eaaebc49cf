import { fc, test } from '@fast-check/vitest';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test as plainTest } from 'vitest';
import { expectInputError } from './helpers/expect-input-error.js';
import type { WritableDtype } from '../reference/io/safetensors-write.js';
import { loadCheckpoint } from '../reference/model/checkpoint.js';
import { configJson, writeCheckpoint } from '../reference/model/checkpoint-write.js';
import { parseConfig, readConfig } from '../reference/model/config.js';
import { randomModel, randomModelConfig, randomTensors } from '../reference/model/random-model.js';
import { roundTensor, type Precision } from '../reference/tensor/precision.js';
import { tensor } from '../reference/tensor/tensor.js';
import { randomModelSpec } from './arbitraries/random-model.js';

const root = mkdtempSync(join(tmpdir(), 'ssdcheck-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => join(root, String(counter++));

const PRECISION: Record<'F32' | 'F16' | 'BF16', Precision> = { F32: 'fp32', F16: 'fp16', BF16: 'bf16' };


describe('checkpoint loading', () => {
  test.prop([randomModelSpec(), fc.constantFrom<'F32' | 'F16' | 'BF16'>('F32', 'F16', 'BF16'), fc.integer({ min: 1, max: 3 })], { numRuns: 30 })(
    'fp32, fp16 and bf16 checkpoints, single or sharded, tied or not, load as the rounded weights',
    (spec, dtype, shards) => {
      const config = randomModelConfig(spec);
      const tensors = randomTensors(config, spec.seed);
      const dir = freshDir();
      writeCheckpoint(dir, config, tensors, dtype as WritableDtype, shards);
      const { model, unexpected, dtypes } = loadCheckpoint(dir);
      expect(unexpected).toEqual([]);
      expect(dtypes).toEqual([dtype]);
      expect(model.config).toEqual(config);
      const rounded = (name: string) => roundTensor(tensors.get(name)!, PRECISION[dtype]).data;
      expect(Array.from(model.weights.embeddings.data)).toEqual(Array.from(rounded('backbone.embeddings.weight')));
      expect(Array.from(model.weights.lmHead.data)).toEqual(Array.from(rounded(spec.tie ? 'backbone.embeddings.weight' : 'lm_head.weight')));
      expect(Array.from(model.weights.layers[0].inProj.data)).toEqual(Array.from(rounded('backbone.layers.0.mixer.in_proj.weight')));
      expect(model.weights.layers[0].inProjBias !== undefined).toBe(spec.useBias);
      expect(model.weights.layers[0].convBias !== undefined).toBe(spec.useConvBias);
    },
  );

  test.prop([randomModelSpec()], { numRuns: 20 })('a tensor the config does not use is reported as unexpected, and the model still loads', (spec) => {
    const config = randomModelConfig(spec);
    const tensors = new Map(randomTensors(config, spec.seed));
    tensors.set('backbone.extra.weight', tensor([2], [1, 2]));
    const dir = freshDir();
    writeCheckpoint(dir, config, tensors);
    expect(loadCheckpoint(dir).unexpected).toEqual(['backbone.extra.weight']);
  });

  test.prop([fc.constantFrom('{"__float__": "Infinity"}', 'Infinity', '"inf"', '1e999')])('time_step_limit infinity in HF, Python and plain forms', (hi) => {
    const path = join(root, `config-${counter++}.json`);
    const json = configJson(parseConfig({ time_step_limit: [0, 1] })).replace(/"time_step_limit": \[[^\]]*\]/, `"time_step_limit": [0.0, ${hi}]`);
    writeFileSync(path, json);
    expect(readConfig(path).time_step_limit).toEqual([0, Infinity]);
  });

  plainTest('absent fields take HF defaults (Mamba-Codestral-7B)', () => {
    const config = parseConfig({});
    expect([config.num_heads, config.head_dim, config.n_groups, config.state_size, config.hidden_size, config.chunk_size, config.vocab_size]).toEqual([128, 64, 8, 128, 4096, 256, 32768]);
  });
});

describe('bad checkpoints and inputs are clear errors', () => {
  const spec = randomModelSpec();

  test.prop([spec, fc.nat()], { numRuns: 20 })('a truncated safetensors file', (s, cut) => {
    const config = randomModelConfig(s);
    const dir = freshDir();
    writeCheckpoint(dir, config, randomTensors(config, s.seed));
    const file = join(dir, 'model.safetensors');
    const size = readFileSync(file).length;
    truncateSync(file, cut % size);
    expectInputError(() => loadCheckpoint(dir), /model\.safetensors/);
  });

  test.prop([spec, fc.nat(), fc.boolean()], { numRuns: 30 })('a missing or misshapen tensor is named', (s, which, drop) => {
    const config = randomModelConfig(s);
    const tensors = new Map(randomTensors(config, s.seed));
    const names = [...tensors.keys()];
    const name = names[which % names.length];
    if (drop) tensors.delete(name);
    else tensors.set(name, tensor([tensors.get(name)!.data.length + 1]));
    const dir = freshDir();
    writeCheckpoint(dir, config, tensors);
    expectInputError(() => loadCheckpoint(dir), new RegExp(name.replace(/\./g, '\\.')));
  });

  test.prop([fc.constantFrom(
    [{ hidden_size: 64, expand: 2, num_heads: 16, head_dim: 7 }, /hidden_size \* expand = num_heads \* head_dim/],
    [{ hidden_size: 64, expand: 2, num_heads: 16, head_dim: 8, n_groups: 3 }, /n_groups: expected a divisor of num_heads = 16, got 3/],
    [{ num_heads: 0 }, /num_heads: expected an integer >= 1, got 0/],
    [{ state_size: '16' }, /state_size: expected an integer >= 1, got "16"/],
    [{ use_bias: 'no' }, /use_bias: expected true or false/],
    [{ time_step_limit: [0.5, 0.1] }, /time_step_limit: expected 0 <= lo <= hi/],
    [{ hidden_act: 'gelu' }, /hidden_act: expected "silu"/],
    [{ eos_token_id: 40000 }, /eos_token_id: expected an id < vocab_size = 32768/],
  ) as fc.Arbitrary<[Record<string, unknown>, RegExp]>])('an invalid config names the field', ([fields, message]) => {
    expectInputError(() => parseConfig(fields), message);
  });

  test.prop([spec, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.constantFrom('negative', 'vocab or above', 'fraction'), fc.nat(50)])(
    'token ids out of range name inputIds',
    (s, b, l, kind, k) => {
      const bad = kind === 'negative' ? -1 - k : kind === 'fraction' ? k + 0.5 : s.vocab + k;
      const model = randomModel(s);
      const ids = new Array<number>(b * l).fill(0);
      ids[(b * l) >> 1] = bad;
      expectInputError(() => model.forward({ inputIds: tensor([b, l], ids) }), /^inputIds: expected token ids in \[0, \d+\), got .+ at row \d+, position \d+/);
    },
  );

  test.prop([spec, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), fc.oneof(fc.constant(2), fc.constant(-1), fc.constant(0.5), fc.constant(NaN))])(
    'a mask of the wrong shape or with values other than 0/1 names attentionMask',
    (s, b, l, wrongShape, value) => {
      const model = randomModel(s);
      const inputIds = tensor([b, l]);
      const mask = wrongShape ? tensor([b, l + 1], new Array(b * (l + 1)).fill(1)) : tensor([b, l], Array.from({ length: b * l }, (_, i) => (i === 0 ? value : 1)));
      expectInputError(() => model.forward({ inputIds, attentionMask: mask }), /^attentionMask: expected/);
    },
  );
});


import { SeededRandom } from '../tensor/seeded-random.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import { HF_DEFAULTS, modelDims, parseConfig, type Mamba2Config } from './config.js';
import { Mamba2Model } from './model.js';
import { assembleWeights, expectedTensors } from './weights.js';

/** The shape of a random tiny model; every field is a Mamba2Config field's value. */
export interface RandomModelSpec {
  readonly layers: number;
  readonly groups: number;
  readonly headsPerGroup: number;
  readonly headDim: number;
  readonly stateSize: number;
  readonly kernel: number;
  readonly chunkSize: number;
  readonly vocab: number;
  readonly useBias: boolean;
  readonly useConvBias: boolean;
  readonly tie: boolean;
  readonly timeStepLimit?: readonly [number, number];
  /** layer_norm_epsilon; HF's 1e-5 when absent */
  readonly normEpsilon?: number;
  readonly seed: number;
}

/** A config for the spec: expand 2 where h * p is even, else 1, so that d * expand = h * p. */
export function randomModelConfig(spec: RandomModelSpec): Mamba2Config {
  const heads = spec.groups * spec.headsPerGroup;
  const inner = heads * spec.headDim;
  const expand = inner % 2 === 0 ? 2 : 1;
  return parseConfig({
    ...HF_DEFAULTS,
    vocab_size: spec.vocab, hidden_size: inner / expand, expand, num_hidden_layers: spec.layers,
    num_heads: heads, head_dim: spec.headDim, n_groups: spec.groups, state_size: spec.stateSize,
    conv_kernel: spec.kernel, chunk_size: spec.chunkSize, use_bias: spec.useBias,
    use_conv_bias: spec.useConvBias, tie_word_embeddings: spec.tie,
    time_step_limit: spec.timeStepLimit ?? [0, Infinity],
    pad_token_id: 0, bos_token_id: null, eos_token_id: null,
    ...(spec.normEpsilon !== undefined ? { layer_norm_epsilon: spec.normEpsilon } : {}),
  }, 'random model config');
}

/**
 * Draws every parameter as the shared fixtures do, so that each one matters: embeddings and
 * lm_head N(0,1), A_log U(-1,2), D N(1,0.5), dt_bias N(-2,1), norm weights N(1,0.2),
 * conv U(-0.5,0.5), linear weights N(0, fan_in^-1/2), biases N(0, 0.1).
 */
export function randomTensors(config: Mamba2Config, seed: number): Map<string, Tensor> {
  const random = new SeededRandom(seed);
  const m = modelDims(config);
  const out = new Map<string, Tensor>();
  for (const [name, shape] of expectedTensors(config)) {
    const count = shape.reduce((n, s) => n * s, 1);
    const leaf = name.split('.').slice(-2).join('.');
    let values: Float64Array;
    if (name.includes('embeddings') || name.startsWith('lm_head')) values = random.normals(count);
    else if (leaf.endsWith('A_log')) values = random.uniforms(count, -1, 2);
    else if (leaf === 'mixer.D') values = random.normals(count, 1, 0.5);
    else if (leaf.endsWith('dt_bias')) values = random.normals(count, -2, 1);
    else if (leaf.endsWith('norm.weight') || leaf === 'norm_f.weight') values = random.normals(count, 1, 0.2);
    else if (leaf === 'conv1d.weight') values = random.uniforms(count, -0.5, 0.5);
    else if (leaf.endsWith('.bias')) values = random.normals(count, 0, 0.1);
    else values = random.normals(count, 0, 1 / Math.sqrt(shape[1] ?? m.d));
    out.set(name, tensor(shape, values));
  }
  return out;
}

/** A seeded random tiny model for properties. */
export function randomModel(spec: RandomModelSpec): Mamba2Model {
  const config = randomModelConfig(spec);
  return new Mamba2Model(config, assembleWeights(config, randomTensors(config, spec.seed), 'random model'));
}

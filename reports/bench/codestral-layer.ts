import { HF_DEFAULTS, modelDims, parseConfig, type Mamba2Config } from '../../reference/model/config.js';
import { mixerForward } from '../../reference/model/mixer.js';
import { randomTensors } from '../../reference/model/random-model.js';
import { BEHAVIOUR } from '../../reference/model/semantics.js';
import { assembleWeights } from '../../reference/model/weights.js';
import { SeededRandom } from '../../reference/tensor/seeded-random.js';

/** Mamba-Codestral-7B's mixer shape (HF defaults): d 4096, h 128 x p 64, g 8, n 128, chunk 256. */
function codestralLayerConfig(): Mamba2Config {
  return parseConfig({ ...HF_DEFAULTS, num_hidden_layers: 1, vocab_size: 16, time_step_limit: [0, 1e9] });
}

/** Builds one random Codestral-shape layer and returns a function running its mixer over l tokens. */
export function codestralMixer(length: number): { run: () => void; setupMs: number } {
  const start = performance.now();
  const config = codestralLayerConfig();
  const dims = modelDims(config);
  const weights = assembleWeights(config, randomTensors(config, 7), 'codestral layer').layers[0];
  const hidden = new SeededRandom(3).normals(length * dims.d); // (1, l, d)
  const options = { behaviour: BEHAVIOUR.reference, form: 'chunked' as const, chunkSize: config.chunk_size, store: (v: Float64Array) => v };
  const setupMs = performance.now() - start;
  return { run: () => void mixerForward({ config, dims, weights, hidden, batch: 1, length, options }), setupMs };
}

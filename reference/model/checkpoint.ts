import { join } from 'node:path';
import { readConfig } from './config.js';
import { Mamba2Model } from './model.js';
import { loadWeights } from './weights.js';

export interface LoadedCheckpoint {
  readonly model: Mamba2Model;
  /** tensors present in the files but not used by the config */
  readonly unexpected: string[];
  /** stored dtypes of the weights */
  readonly dtypes: string[];
}

/** Loads an HF Mamba2ForCausalLM folder: config.json plus model.safetensors (or a sharded index). */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const config = readConfig(join(dir, 'config.json'));
  const { weights, unexpected, dtypes } = loadWeights(dir, config);
  return { model: new Mamba2Model(config, weights), unexpected, dtypes };
}

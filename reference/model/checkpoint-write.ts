import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, type WritableDtype } from '../io/safetensors-write.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Mamba2Config } from './config.js';

/** HF's JSON for a config: infinity as {"__float__": "Infinity"}. */
export function configJson(config: Mamba2Config): string {
  return JSON.stringify({ architectures: ['Mamba2ForCausalLM'], model_type: 'mamba2', ...config }, (_, v) => (v === Infinity ? { __float__: 'Infinity' } : v), 2);
}

/**
 * Writes a checkpoint folder as save_pretrained does: config.json and model.safetensors, or
 * `shards` files with model.safetensors.index.json when shards > 1.
 */
export function writeCheckpoint(dir: string, config: Mamba2Config, tensors: ReadonlyMap<string, Tensor>, dtype: WritableDtype = 'F32', shards = 1): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), configJson(config));
  const names = [...tensors.keys()];
  if (shards <= 1) {
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(Object.fromEntries(names.map((n) => [n, { tensor: tensors.get(n)!, dtype }])), { format: 'pt' }));
    return;
  }
  const weightMap: Record<string, string> = {};
  for (let shard = 0; shard < shards; shard++) {
    const file = `model-${String(shard + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const mine = names.filter((_, i) => i % shards === shard);
    for (const name of mine) weightMap[name] = file;
    writeFileSync(join(dir, file), encodeSafetensors(Object.fromEntries(mine.map((n) => [n, { tensor: tensors.get(n)!, dtype }])), { format: 'pt' }));
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2));
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, formatShape } from '../errors.js';
import { SafetensorsFile } from '../io/safetensors.js';
import { sameShape, type Tensor } from '../tensor/tensor.js';
import { modelDims, type Mamba2Config } from './config.js';

/** One mixer layer's parameters, float64, in HF's layout (docs: semantics section 2-3). */
export interface LayerWeights {
  /** (d) pre-mixer RMSNorm */
  readonly norm: Tensor;
  /** (I + C + h, d) */
  readonly inProj: Tensor;
  readonly inProjBias?: Tensor;
  /** (C, 1, K) depthwise */
  readonly convWeight: Tensor;
  readonly convBias?: Tensor;
  /** (h) each */
  readonly dtBias: Tensor;
  readonly ALog: Tensor;
  readonly D: Tensor;
  /** (I) gated RMSNorm */
  readonly gateNorm: Tensor;
  /** (d, I) */
  readonly outProj: Tensor;
  readonly outProjBias?: Tensor;
}

export interface ModelWeights {
  /** (vocab, d) */
  readonly embeddings: Tensor;
  readonly layers: readonly LayerWeights[];
  /** (d) */
  readonly normF: Tensor;
  /** (vocab, d): the embeddings when tie_word_embeddings */
  readonly lmHead: Tensor;
}

/** The tensor names and shapes a config implies, as HF's save_pretrained writes them. */
export function expectedTensors(c: Mamba2Config): Map<string, number[]> {
  const m = modelDims(c);
  const out = new Map<string, number[]>([['backbone.embeddings.weight', [c.vocab_size, m.d]], ['backbone.norm_f.weight', [m.d]]]);
  if (!c.tie_word_embeddings) out.set('lm_head.weight', [c.vocab_size, m.d]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `backbone.layers.${i}`;
    out.set(`${p}.norm.weight`, [m.d]);
    out.set(`${p}.mixer.in_proj.weight`, [m.projection, m.d]);
    if (c.use_bias) out.set(`${p}.mixer.in_proj.bias`, [m.projection]);
    out.set(`${p}.mixer.conv1d.weight`, [m.convChannels, 1, m.kernel]);
    if (c.use_conv_bias) out.set(`${p}.mixer.conv1d.bias`, [m.convChannels]);
    out.set(`${p}.mixer.dt_bias`, [m.heads]);
    out.set(`${p}.mixer.A_log`, [m.heads]);
    out.set(`${p}.mixer.D`, [m.heads]);
    out.set(`${p}.mixer.norm.weight`, [m.inner]);
    out.set(`${p}.mixer.out_proj.weight`, [m.d, m.inner]);
    if (c.use_bias) out.set(`${p}.mixer.out_proj.bias`, [m.d]);
  }
  return out;
}

/** Builds the typed weights from named tensors, checking presence and shape of each. */
export function assembleWeights(c: Mamba2Config, tensors: ReadonlyMap<string, Tensor>, source: string): ModelWeights {
  const expected = expectedTensors(c);
  const missing = [...expected.keys()].filter((name) => !tensors.has(name));
  if (missing.length > 0) throw new InputError(`${source}: tensors`, 'every tensor the config implies', `missing ${missing.join(', ')}`);
  for (const [name, shape] of expected) {
    const t = tensors.get(name)!;
    if (!sameShape(t.shape, shape)) throw new InputError(`${source}: tensor '${name}'`, `shape ${formatShape(shape)} (from config.json)`, formatShape(t.shape));
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) throw new InputError(`${source}: tensor '${name}'`, 'finite values', `${t.data[i]} at flat index ${i}`);
    }
  }
  const get = (name: string) => tensors.get(name)!;
  const optional = (name: string) => (expected.has(name) ? tensors.get(name) : undefined);
  const layers: LayerWeights[] = [];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `backbone.layers.${i}`;
    layers.push({
      norm: get(`${p}.norm.weight`),
      inProj: get(`${p}.mixer.in_proj.weight`),
      inProjBias: optional(`${p}.mixer.in_proj.bias`),
      convWeight: get(`${p}.mixer.conv1d.weight`),
      convBias: optional(`${p}.mixer.conv1d.bias`),
      dtBias: get(`${p}.mixer.dt_bias`),
      ALog: get(`${p}.mixer.A_log`),
      D: get(`${p}.mixer.D`),
      gateNorm: get(`${p}.mixer.norm.weight`),
      outProj: get(`${p}.mixer.out_proj.weight`),
      outProjBias: optional(`${p}.mixer.out_proj.bias`),
    });
  }
  const embeddings = get('backbone.embeddings.weight');
  return { embeddings, layers, normF: get('backbone.norm_f.weight'), lmHead: c.tie_word_embeddings ? embeddings : get('lm_head.weight') };
}

export interface LoadedWeights {
  readonly weights: ModelWeights;
  /** tensors in the files that the config does not use (HF reports these as unexpected keys) */
  readonly unexpected: string[];
  /** stored dtypes seen (F32, BF16, F16, ...) */
  readonly dtypes: string[];
}

/** The safetensors files of a checkpoint and which tensor lives in which. */
function shardMap(dir: string): Map<string, string[]> {
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) {
    let weightMap: unknown;
    try {
      weightMap = JSON.parse(readFileSync(index, 'utf-8')).weight_map;
    } catch (error) {
      throw new InputError(index, 'JSON with a weight_map', (error as Error).message);
    }
    if (typeof weightMap !== 'object' || weightMap === null) throw new InputError(`${index}: weight_map`, 'an object {tensor: file}', JSON.stringify(weightMap));
    const byFile = new Map<string, string[]>();
    for (const [name, file] of Object.entries(weightMap)) {
      if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) throw new InputError(`${index}: weight_map['${name}']`, 'a file name in the checkpoint folder', JSON.stringify(file));
      byFile.set(file, [...(byFile.get(file) ?? []), name]);
    }
    return byFile;
  }
  if (existsSync(single)) return new Map([['model.safetensors', []]]);
  throw new InputError('checkpoint', 'a folder with model.safetensors or model.safetensors.index.json', `${dir} (neither found)`);
}

/** Reads every tensor of a checkpoint folder (single file or sharded), converted to float64. */
export function loadWeights(dir: string, c: Mamba2Config): LoadedWeights {
  const expected = expectedTensors(c);
  const tensors = new Map<string, Tensor>();
  const unexpected: string[] = [];
  const dtypes = new Set<string>();
  for (const [fileName, indexed] of shardMap(dir)) {
    const file = SafetensorsFile.open(join(dir, fileName));
    try {
      for (const name of indexed) {
        if (!file.has(name)) throw new InputError(`${join(dir, fileName)}: tensor '${name}'`, 'present (the index lists it here)', 'missing');
      }
      for (const name of file.names()) {
        if (!expected.has(name)) {
          unexpected.push(name);
          continue;
        }
        dtypes.add(file.entry(name).dtype);
        tensors.set(name, file.read(name));
      }
    } finally {
      file.close();
    }
  }
  return { weights: assembleWeights(c, tensors, dir), unexpected: unexpected.sort(), dtypes: [...dtypes].sort() };
}

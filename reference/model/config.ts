import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

/**
 * HF `Mamba2Config` (transformers 5.17), the fields the model uses, with HF's defaults
 * (Mamba-Codestral-7B's shape). Field names are the config.json keys.
 */
export interface Mamba2Config {
  readonly vocab_size: number;
  readonly hidden_size: number;
  readonly num_hidden_layers: number;
  readonly num_heads: number;
  readonly head_dim: number;
  readonly n_groups: number;
  readonly state_size: number;
  readonly expand: number;
  readonly conv_kernel: number;
  readonly chunk_size: number;
  readonly layer_norm_epsilon: number;
  readonly use_bias: boolean;
  readonly use_conv_bias: boolean;
  readonly hidden_act: string;
  readonly residual_in_fp32: boolean;
  /** read and kept, but like HF's torch path the mixer always applies its gated norm */
  readonly rms_norm: boolean;
  readonly tie_word_embeddings: boolean;
  readonly time_step_limit: readonly [number, number];
  readonly time_step_min: number;
  readonly time_step_max: number;
  readonly time_step_floor: number;
  readonly time_step_rank: number | 'auto';
  readonly initializer_range: number;
  readonly rescale_prenorm_residual: boolean;
  readonly use_cache: boolean;
  readonly pad_token_id: number | null;
  readonly bos_token_id: number | null;
  readonly eos_token_id: number | null;
}

export const HF_DEFAULTS: Mamba2Config = {
  vocab_size: 32768, hidden_size: 4096, num_hidden_layers: 64, num_heads: 128, head_dim: 64,
  n_groups: 8, state_size: 128, expand: 2, conv_kernel: 4, chunk_size: 256, layer_norm_epsilon: 1e-5,
  use_bias: false, use_conv_bias: true, hidden_act: 'silu', residual_in_fp32: true, rms_norm: true,
  tie_word_embeddings: false, time_step_limit: [0, Infinity], time_step_min: 0.001, time_step_max: 0.1,
  time_step_floor: 1e-4, time_step_rank: 'auto', initializer_range: 0.1, rescale_prenorm_residual: false,
  use_cache: true, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2,
};

/** Dims derived from a config, as the mixer uses them. */
export interface ModelDims {
  readonly d: number;
  /** intermediate size I = expand * d = h * p */
  readonly inner: number;
  readonly heads: number;
  readonly headDim: number;
  readonly groups: number;
  readonly stateSize: number;
  /** conv channels I + 2 g n */
  readonly convChannels: number;
  /** in_proj output: z (I) | xBC (conv channels) | dt (h) */
  readonly projection: number;
  readonly kernel: number;
}

export function modelDims(c: Mamba2Config): ModelDims {
  const inner = c.expand * c.hidden_size;
  const convChannels = inner + 2 * c.n_groups * c.state_size;
  return {
    d: c.hidden_size, inner, heads: c.num_heads, headDim: c.head_dim, groups: c.n_groups,
    stateSize: c.state_size, convChannels, projection: inner + convChannels + c.num_heads, kernel: c.conv_kernel,
  };
}

/** HF writes infinity as {"__float__": "Infinity"}; plain JSON cannot hold it otherwise. */
function decodeFloat(field: string, value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[+-]?(inf|infinity)$/i.test(value)) return value.startsWith('-') ? -Infinity : Infinity;
  if (typeof value === 'object' && value !== null && '__float__' in value) return decodeFloat(field, (value as { __float__: unknown }).__float__);
  throw new InputError(field, 'a number (or {"__float__": "Infinity"})', JSON.stringify(value));
}

const INTEGER_FIELDS = ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_heads', 'head_dim', 'n_groups', 'state_size', 'expand', 'conv_kernel', 'chunk_size'] as const;
const BOOLEAN_FIELDS = ['use_bias', 'use_conv_bias', 'residual_in_fp32', 'rms_norm', 'tie_word_embeddings', 'rescale_prenorm_residual', 'use_cache'] as const;
const NUMBER_FIELDS = ['layer_norm_epsilon', 'time_step_min', 'time_step_max', 'time_step_floor', 'initializer_range'] as const;
const TOKEN_FIELDS = ['pad_token_id', 'bos_token_id', 'eos_token_id'] as const;

/** Parses and validates a config object (config.json's content); absent fields take HF's defaults. */
export function parseConfig(raw: unknown, source = 'config'): Mamba2Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(source, 'a JSON object', JSON.stringify(raw));
  const json = raw as Record<string, unknown>;
  const field = (name: string) => `${source}.${name}`;
  const out: Record<string, unknown> = { ...HF_DEFAULTS };
  for (const name of INTEGER_FIELDS) {
    if (json[name] === undefined) continue;
    const value = json[name];
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw new InputError(field(name), 'an integer >= 1', JSON.stringify(value));
    out[name] = value;
  }
  for (const name of BOOLEAN_FIELDS) {
    if (json[name] === undefined) continue;
    if (typeof json[name] !== 'boolean') throw new InputError(field(name), 'true or false', JSON.stringify(json[name]));
    out[name] = json[name];
  }
  for (const name of NUMBER_FIELDS) {
    if (json[name] === undefined) continue;
    const value = decodeFloat(field(name), json[name]);
    if (!Number.isFinite(value) || value < 0) throw new InputError(field(name), 'a finite number >= 0', JSON.stringify(json[name]));
    out[name] = value;
  }
  for (const name of TOKEN_FIELDS) {
    if (json[name] === undefined) continue;
    const value = Array.isArray(json[name]) ? (json[name] as unknown[])[0] : json[name]; // HF allows a list of eos ids
    if (value !== null && !(Number.isSafeInteger(value) && (value as number) >= 0)) throw new InputError(field(name), 'a token id >= 0 or null', JSON.stringify(json[name]));
    out[name] = value;
  }
  if (json.time_step_rank !== undefined) out.time_step_rank = json.time_step_rank;
  if (json.hidden_act !== undefined) out.hidden_act = json.hidden_act;
  if (json.time_step_limit !== undefined) {
    const limit = json.time_step_limit;
    if (!Array.isArray(limit) || limit.length !== 2) throw new InputError(field('time_step_limit'), '[lo, hi]', JSON.stringify(limit));
    const [lo, hi] = limit.map((v, i) => decodeFloat(`${field('time_step_limit')}[${i}]`, v));
    if (!(lo >= 0 && hi >= lo)) throw new InputError(field('time_step_limit'), '0 <= lo <= hi', JSON.stringify(limit));
    out.time_step_limit = [lo, hi];
  }
  const config = out as unknown as Mamba2Config;
  validateConfig(config, source);
  return config;
}

function validateConfig(c: Mamba2Config, source: string): void {
  if (c.hidden_act !== 'silu' && c.hidden_act !== 'swish') throw new InputError(`${source}.hidden_act`, '"silu" (the only activation Mamba-2 uses)', JSON.stringify(c.hidden_act));
  if (c.expand * c.hidden_size !== c.num_heads * c.head_dim) {
    throw new InputError(`${source}`, `hidden_size * expand = num_heads * head_dim`, `${c.hidden_size} * ${c.expand} = ${c.expand * c.hidden_size}, ${c.num_heads} * ${c.head_dim} = ${c.num_heads * c.head_dim}`);
  }
  if (c.num_heads % c.n_groups !== 0) throw new InputError(`${source}.n_groups`, `a divisor of num_heads = ${c.num_heads}`, String(c.n_groups));
  for (const name of TOKEN_FIELDS) {
    const id = c[name];
    if (id !== null && id >= c.vocab_size) throw new InputError(`${source}.${name}`, `an id < vocab_size = ${c.vocab_size}`, String(id));
  }
}

/**
 * Python's json module writes infinity as a bare `Infinity` (not JSON); wrap such tokens, outside
 * strings, in HF's {"__float__": ...} form so JSON.parse accepts them.
 */
function withBareFloatsWrapped(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (token) => (token.startsWith('"') ? token : `{"__float__": "${token}"}`));
}

export function readConfig(path: string): Mamba2Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf-8');
  } catch (error) {
    throw new InputError('config', 'a readable config.json', `${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(withBareFloatsWrapped(text));
  } catch (error) {
    throw new InputError(path, 'valid JSON', (error as Error).message);
  }
  return parseConfig(json, path);
}

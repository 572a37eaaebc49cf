import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { withSafetensors, type SafetensorsFile } from '../io/safetensors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { SsdInputs } from './inputs.js';
import type { SsdStepInputs } from './recurrent.js';

/**
 * An SSD case in the fixture format (shared/fixtures/README.md): inputs x, dt, A, B, C, D,
 * dt_bias, initial_state; expected outputs `{tag}.y`, `{tag}.final_state`; an optional decode
 * step `step.*` with `step.{tag}.y`, `step.{tag}.state`. Metadata gives chunk_size and
 * time_step_limit.
 */
export interface SsdCase {
  readonly name: string;
  readonly inputs: SsdInputs;
  readonly chunkSize: number | undefined;
  /** expected outputs by tag (`f64`, `triton_f32`, ...) */
  readonly expected: ReadonlyMap<string, ExpectedOutputs>;
  readonly step?: {
    readonly inputs: Omit<SsdStepInputs, 'state'>;
    readonly expected: ReadonlyMap<string, { y?: Tensor; state?: Tensor }>;
  };
}

export interface ExpectedOutputs {
  readonly y?: Tensor;
  readonly finalState?: Tensor;
}

export const REQUIRED_CASE_KEYS = ['x', 'dt', 'A', 'B', 'C', 'D', 'dt_bias'] as const;

/** Parses "lo,hi" (inf, Infinity allowed), as metadata and the --dt-limit option write it. */
export function parseLimit(argument: string, text: string): [number, number] {
  const parts = text.split(',').map((part) => part.trim().toLowerCase());
  const values = parts.map((part) => (part === 'inf' || part === 'infinity' ? Infinity : Number(part)));
  if (parts.length !== 2 || parts.some((part) => part === '') || values.some(Number.isNaN) || !(values[0] >= 0) || !(values[1] >= values[0])) {
    throw new InputError(argument, '"lo,hi" with 0 <= lo <= hi (hi may be inf)', JSON.stringify(text));
  }
  return [values[0], values[1]];
}

function tagged(file: SafetensorsFile, prefix: string, suffix: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const name of file.names()) {
    if (!name.startsWith(prefix) || !name.endsWith(suffix)) continue;
    const tag = name.slice(prefix.length, name.length - suffix.length);
    if (tag.length > 0 && !tag.includes('.')) out.set(tag, file.read(name));
  }
  return out;
}

function merge<K extends string>(parts: Record<K, Map<string, Tensor>>): Map<string, Partial<Record<K, Tensor>>> {
  const out = new Map<string, Partial<Record<K, Tensor>>>();
  for (const [key, byTag] of Object.entries(parts) as [K, Map<string, Tensor>][]) {
    for (const [tag, t] of byTag) out.set(tag, { ...out.get(tag), [key]: t });
  }
  return out;
}

export function readSsdCase(path: string): SsdCase {
  return withSafetensors(path, (file) => {
    for (const key of REQUIRED_CASE_KEYS) {
      if (!file.has(key)) throw new InputError(`${path}: tensor '${key}'`, 'present (an SSD case needs x, dt, A, B, C, D, dt_bias)', 'missing');
    }
    const meta = file.metadata;
    const chunkSize = meta.chunk_size === undefined ? undefined : Number(meta.chunk_size);
    if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize >= 1)) {
      throw new InputError(`${path}: metadata chunk_size`, 'an integer >= 1', JSON.stringify(meta.chunk_size));
    }
    const timeStepLimit = meta.time_step_limit === undefined ? undefined : parseLimit(`${path}: metadata time_step_limit`, meta.time_step_limit);
    const params = { A: file.read('A'), D: file.read('D'), dtBias: file.read('dt_bias'), timeStepLimit };
    const inputs: SsdInputs = {
      ...params,
      x: file.read('x'), dt: file.read('dt'), B: file.read('B'), C: file.read('C'),
      initialState: file.has('initial_state') ? file.read('initial_state') : undefined,
    };
    const expected = merge({ y: tagged(file, '', '.y'), finalState: tagged(file, '', '.final_state') });
    const stepKeys = ['step.x', 'step.dt', 'step.B', 'step.C'];
    const step = stepKeys.every((key) => file.has(key))
      ? {
          inputs: { ...params, x: file.read('step.x'), dt: file.read('step.dt'), B: file.read('step.B'), C: file.read('step.C') },
          expected: merge({ y: tagged(file, 'step.', '.y'), state: tagged(file, 'step.', '.state') }),
        }
      : undefined;
    return { name: basename(path).replace(/\.safetensors$/, ''), inputs, chunkSize, expected, step };
  });
}

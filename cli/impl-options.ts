import { InputError } from '../reference/errors.js';
import type { CausalLM } from '../reference/model/generate.js';
import type { Mamba2Model } from '../reference/model/model.js';
import type { Semantics } from '../reference/model/semantics.js';
import { OnnxModel } from '../onnx/model.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../onnx/runtime/providers.js';
import { choice, stringOption, type OptionSpec, type OptionValues } from './args.js';
import { cudaSsd, onnxSsd, referenceSsd, type SsdImplementation } from './checks/ssd-implementations.js';
import { CudaModel } from '../kernels/model.js';

export type ImplName = 'reference' | 'onnx' | 'cuda';
export const IMPLS: readonly ImplName[] = ['reference', 'onnx', 'cuda'];

/** --impl, --ep, --dtype: which implementation a command checks. */
export const IMPL_OPTIONS: OptionSpec = {
  impl: { type: 'string', default: 'reference' },
  ep: { type: 'string' },
  dtype: { type: 'string' },
};

export const IMPL_HELP = `  --impl reference|onnx|cuda  implementation to check (default reference)
  --ep cpu|webgpu|cuda     onnxruntime execution provider for --impl onnx (default cpu); a
                           missing provider is an error, never a fallback to cpu
  --dtype fp32|fp16|bf16   precision of the ONNX graphs (fp32, fp16) or CUDA kernels (all three;
                           default fp32); reduced precision is held to 2x the error of the
                           float64 reference emulating it`;

export interface ImplChoice {
  readonly impl: ImplName;
  readonly provider: ExecutionProvider;
  readonly precision: 'fp32' | 'fp16' | 'bf16';
}

export function readImplChoice(values: OptionValues): ImplChoice {
  const impl = choice('--impl', stringOption(values, 'impl') ?? 'reference', IMPLS);
  const ep = stringOption(values, 'ep');
  const dtype = stringOption(values, 'dtype');
  if (impl === 'reference' && (ep !== undefined || dtype !== undefined)) {
    throw new InputError(ep !== undefined ? '--ep' : '--dtype', 'only with --impl onnx or cuda (the reference is float64 on the cpu)', ep ?? dtype!);
  }
  if (impl === 'cuda' && ep !== undefined) throw new InputError('--ep', 'only with --impl onnx (cuda runs the project\'s kernels)', ep);
  return {
    impl,
    provider: choice('--ep', ep ?? 'cpu', EXECUTION_PROVIDERS),
    precision: choice('--dtype', dtype ?? 'fp32', impl === 'cuda' ? (['fp32', 'fp16', 'bf16'] as const) : (['fp32', 'fp16'] as const)),
  };
}

export function ssdImplementation(c: ImplChoice): SsdImplementation {
  if (c.impl === 'cuda') return cudaSsd(c.precision);
  return c.impl === 'reference' ? referenceSsd : onnxSsd(c.provider, c.precision as 'fp32' | 'fp16');
}

/** The model to check: the reference itself, or its weights in ONNX graphs. */
export function modelImplementation(model: Mamba2Model, c: ImplChoice, semantics: Semantics): CausalLM & { release?(): Promise<void> } {
  if (c.impl === 'cuda') return new CudaModel(model, { semantics, dtype: ({ fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' } as const)[c.precision] });
  return c.impl === 'reference' ? model : new OnnxModel(model, { semantics, precision: c.precision as 'fp32' | 'fp16', provider: c.provider });
}

import { InputError } from '../reference/errors.js';
import type { CausalLM } from '../reference/model/generate.js';
import type { Mamba2Model } from '../reference/model/model.js';
import type { Semantics } from '../reference/model/semantics.js';
import { OnnxModel } from '../onnx/model.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../onnx/runtime/providers.js';
import { choice, stringOption, type OptionSpec, type OptionValues } from './args.js';
import { onnxSsd, referenceSsd, type SsdImplementation } from './checks/ssd-implementations.js';

export type ImplName = 'reference' | 'onnx';
export const IMPLS: readonly ImplName[] = ['reference', 'onnx'];

/** --impl, --ep, --dtype: which implementation a command checks. */
export const IMPL_OPTIONS: OptionSpec = {
  impl: { type: 'string', default: 'reference' },
  ep: { type: 'string' },
  dtype: { type: 'string' },
};

export const IMPL_HELP = `  --impl reference|onnx    implementation to check (default reference)
  --ep cpu|webgpu|cuda     onnxruntime execution provider for --impl onnx (default cpu); a
                           missing provider is an error, never a fallback to cpu
  --dtype fp32|fp16        precision of the ONNX graphs (default fp32); fp16 is held to 2x the
                           error of the float64 reference emulating fp16`;

export interface ImplChoice {
  readonly impl: ImplName;
  readonly provider: ExecutionProvider;
  readonly precision: 'fp32' | 'fp16';
}

export function readImplChoice(values: OptionValues): ImplChoice {
  const impl = choice('--impl', stringOption(values, 'impl') ?? 'reference', IMPLS);
  const ep = stringOption(values, 'ep');
  const dtype = stringOption(values, 'dtype');
  if (impl === 'reference' && (ep !== undefined || dtype !== undefined)) {
    throw new InputError(ep !== undefined ? '--ep' : '--dtype', 'only with --impl onnx (the reference is float64 on the cpu)', ep ?? dtype!);
  }
  return {
    impl,
    provider: choice('--ep', ep ?? 'cpu', EXECUTION_PROVIDERS),
    precision: choice('--dtype', dtype ?? 'fp32', ['fp32', 'fp16'] as const),
  };
}

export function ssdImplementation(c: ImplChoice): SsdImplementation {
  return c.impl === 'reference' ? referenceSsd : onnxSsd(c.provider, c.precision);
}

/** The model to check: the reference itself, or its weights in ONNX graphs. */
export function modelImplementation(model: Mamba2Model, c: ImplChoice, semantics: Semantics): CausalLM & { release?(): Promise<void> } {
  return c.impl === 'reference' ? model : new OnnxModel(model, { semantics, precision: c.precision, provider: c.provider });
}

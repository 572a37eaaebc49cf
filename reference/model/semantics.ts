import type { SsdForm } from '../ssd/index.js';
import type { Precision } from '../tensor/precision.js';

/**
 * Which behaviour the model reproduces (docs: semantics sections 5-6):
 * - `reference`: group-wise gated norm; padded positions are identity steps (skipped by the
 *   conv, dt = 0 in the SSD); the decode step applies the dt limit.
 * - `hf`: transformers 5.17's torch path with its divergences: whole-width gated norm; the
 *   mask multiplies the mixer input and the conv output only (only when batch > 1 and more
 *   than one token), dt is never masked, generation reads the last position; the
 *   single-token decode step does not clamp dt.
 */
export type Semantics = 'reference' | 'hf';
export const SEMANTICS: readonly Semantics[] = ['reference', 'hf'];

/** The three points where the semantics differ, each switchable on its own. */
export interface Behaviour {
  /** gated RMSNorm within each of the g groups (mamba_ssm) or over the whole width (HF, #40861) */
  readonly gatedNorm: 'group' | 'whole';
  /** padded positions as identity steps, or HF's masking of the mixer input and conv output */
  readonly padding: 'identity' | 'hf';
  /** whether the single-token decode step clamps dt to time_step_limit */
  readonly decodeStepClamp: boolean;
}

export const BEHAVIOUR: Readonly<Record<Semantics, Behaviour>> = {
  reference: { gatedNorm: 'group', padding: 'identity', decodeStepClamp: true },
  hf: { gatedNorm: 'whole', padding: 'hf', decodeStepClamp: false },
};

/** The divergences named in the semantics doc, as switches from reference to HF behaviour. */
export const DIVERGENCES: readonly { readonly name: string; readonly description: string; readonly toHf: (b: Behaviour) => Behaviour }[] = [
  { name: 'gated-norm', description: 'gated RMSNorm over all I channels instead of per group (transformers #40861)', toHf: (b) => ({ ...b, gatedNorm: 'whole' }) },
  { name: 'padding-mask', description: 'mask on the mixer input and conv output, dt not masked (in_proj bias leaks; pads decay the state)', toHf: (b) => ({ ...b, padding: 'hf' }) },
  { name: 'decode-dt-clamp', description: 'single-token decode step without the time_step_limit clamp', toHf: (b) => ({ ...b, decodeStepClamp: false }) },
];

export interface ForwardOptions {
  readonly semantics?: Semantics;
  /** overrides `semantics` switch by switch (for measuring one divergence at a time) */
  readonly behaviour?: Behaviour;
  /** the SSD form inside the mixer; default chunked */
  readonly form?: SsdForm;
  /** default: the config's chunk_size */
  readonly chunkSize?: number;
  /**
   * Emulates a reduced-precision model: activations are rounded to this precision at the
   * points where a model stored in it keeps them (after embeddings, norms, projections, the
   * conv and the SSD), as the ONNX fp16 graphs do. The naive same-precision baseline.
   */
  readonly activationPrecision?: Precision;
}

export interface ResolvedOptions {
  readonly behaviour: Behaviour;
  readonly form: SsdForm;
  readonly chunkSize: number;
  /** rounds activations in place to the emulated precision (identity for fp64) */
  readonly store: (values: Float64Array) => Float64Array;
}

import type { SsdForm } from '../ssd/index.js';

/**
 * Which behaviour the model reproduces (docs: semantics sections 5-6):
 * - `reference`: group-wise gated norm; padded positions are identity steps (skipped by the
 *   conv, dt = 0 in the SSD); the decode step applies the dt limit.
 * - `hf`: transformers 5.17's torch path with its divergences: whole-width gated norm; the
 *   mask multiplies the mixer input and the conv output only (only when batch > 1 and more
 *   than one token), dt is never masked; the single-token decode step does not clamp dt.
 */
export type Semantics = 'reference' | 'hf';
export const SEMANTICS: readonly Semantics[] = ['reference', 'hf'];

export interface ForwardOptions {
  readonly semantics?: Semantics;
  /** the SSD form inside the mixer; default chunked */
  readonly form?: SsdForm;
  /** default: the config's chunk_size */
  readonly chunkSize?: number;
}

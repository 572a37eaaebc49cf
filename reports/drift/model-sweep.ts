import { difference } from '../../reference/compare.js';
import { generate, type CausalLM } from '../../reference/model/generate.js';
import type { Mamba2Model } from '../../reference/model/model.js';
import { withRoundedWeights } from '../../reference/model/precision-emulation.js';
import { seededPrompts } from '../../cli/checks/divergence.js';
import { tensor, type Tensor } from '../../reference/tensor/tensor.js';
import type { Progress } from '../render/progress.js';
import type { DriftDtype, ErrorPair } from './ssd-sweep.js';

/** A whole-model implementation for a dtype, or why it cannot run that dtype here. */
export interface DriftModelImpl {
  readonly name: string;
  readonly forDtype: (dtype: DriftDtype) => (CausalLM & { release?(): Promise<void> }) | { readonly skip: string } | 'emulated';
}

export interface ModelDriftRow {
  readonly impl: string;
  readonly dtype: DriftDtype;
  /** prompt logits: |impl - f64| / max|f64| */
  readonly logits: ErrorPair;
  /** greedy generation from the same prompt: first step whose token differs from float64, null if none */
  readonly firstTokenDifference: number | null;
  readonly generatedTokens: number;
}

function firstDifference(a: Tensor, b: Tensor, from: number): number | null {
  for (let t = from; t < a.data.length; t++) if (a.data[t] !== b.data[t]) return t - from;
  return null;
}

/**
 * One prompt (24 tokens drawn with the seed), its logits and `tokens` greedy steps with the
 * cache, per implementation and dtype, against the float64 reference in reference semantics.
 * `emulated` is the reference with weights and activations rounded to the dtype.
 */
export async function sweepModel(model: Mamba2Model, impls: readonly DriftModelImpl[], tokens: number, seed: number, progress: Progress): Promise<{ rows: ModelDriftRow[]; skipped: { impl: string; dtype: DriftDtype; reason: string }[] }> {
  const prompt = seededPrompts(model.config.vocab_size, seed)[0];
  const inputIds = tensor([1, prompt.length], prompt); // (1, l)
  const exactLogits = model.forward({ inputIds }, { semantics: 'reference' }).logits;
  const exact = await generate(model, { inputIds }, { semantics: 'reference', maxNewTokens: tokens });
  const rows: ModelDriftRow[] = [];
  const skipped: { impl: string; dtype: DriftDtype; reason: string }[] = [];
  for (const impl of impls) {
    for (const dtype of ['fp32', 'fp16', 'bf16'] as const) {
      const chosen = impl.forDtype(dtype);
      if (typeof chosen === 'object' && 'skip' in chosen) {
        skipped.push({ impl: impl.name, dtype, reason: chosen.skip });
        progress.tick(`${impl.name} ${dtype} skipped`);
        continue;
      }
      const lm = chosen === 'emulated' ? withRoundedWeights(model, dtype) : chosen;
      const options = { semantics: 'reference' as const, activationPrecision: chosen === 'emulated' ? dtype : undefined };
      try {
        const logits = (await lm.forward({ inputIds }, options)).logits;
        const run = await generate(lm, { inputIds }, { ...options, maxNewTokens: tokens });
        const d = difference(logits, exactLogits);
        rows.push({ impl: impl.name, dtype, logits: { max: d.maxRel, mean: d.meanRel }, firstTokenDifference: firstDifference(run.sequences, exact.sequences, prompt.length), generatedTokens: tokens });
      } finally {
        if (chosen !== 'emulated') await chosen.release?.();
      }
      progress.tick(`model ${impl.name} ${dtype}`);
    }
  }
  return { rows, skipped };
}

import type { Mamba2Model } from '../../reference/model/model.js';
import type { Semantics } from '../../reference/model/semantics.js';
import { modelImplementation, type ImplChoice } from '../impl-options.js';
import { checkOracle, emulatedLogitsError, LOGITS_TOLERANCE, type OracleResult } from './model-oracle.js';

/**
 * Checks one implementation of a model against an oracle. Float32 and float64 are held to
 * 1e-4 of HF's float64 logits and exact greedy sequences; fp16 to 2x the error of the
 * reference emulating fp16 (plus 1e-4), its sequences reported but not gating (a reduced
 * precision may order near ties either way).
 */
export async function checkModel(model: Mamba2Model, choice: ImplChoice, oraclePath: string, semantics: Semantics): Promise<OracleResult> {
  const impl = modelImplementation(model, choice, semantics);
  const reduced = choice.impl !== 'reference' && choice.precision !== 'fp32';
  const options = reduced
    ? { logitsTolerance: 2 * emulatedLogitsError(model, oraclePath, semantics, choice.precision as 'fp16' | 'bf16') + LOGITS_TOLERANCE, sequencesGate: false }
    : {};
  try {
    return await checkOracle(impl, oraclePath, semantics, options);
  } finally {
    await impl.release?.();
  }
}

import type { Precision } from '../../reference/tensor/precision.js';

/**
 * How close an output must be to each kind of expected tensor, as maxRel
 * (max|a - e| / max|e|, docs/semantics.md section 7).
 * Only `f64` rows gate a run (exit code); rows against other tags (mamba_ssm's Triton outputs)
 * are informative: they show how far the field's kernels are from the reference, and their
 * `pass` says whether that distance is what their precision explains.
 */
export const GATE_TAG = 'f64';

/** Against float64 golden data: float64 implementations agree to rounding; float32 ones to torch's fp32 atol. */
export const FLOAT64_TOLERANCE = 1e-9;
export const FLOAT32_TOLERANCE = 1e-5;

/** Reduced precision: at most 2x the naive baseline's error (flash-attention's rule), plus float32's own. */
export function reducedPrecisionTolerance(baselineError: number): number {
  return 2 * baselineError + FLOAT32_TOLERANCE;
}

/** The gate tolerance of an implementation storing `precision`, given its baseline error where reduced. */
export function gateTolerance(precision: Precision, baselineError: number | undefined): number {
  if (precision === 'fp64') return FLOAT64_TOLERANCE;
  if (precision === 'fp32') return FLOAT32_TOLERANCE;
  return reducedPrecisionTolerance(baselineError ?? 0);
}

// Triton's "f32" multiplies in TF32 (10-bit mantissa, like fp16); bf16 has an 8-bit mantissa.
// Observed on the shared fixtures: f32 <= 1.1e-3, f16 <= 6.6e-4, bf16 <= 8.7e-3.
const EXTERNAL_TOLERANCE: Readonly<Record<string, number>> = {
  triton_f32: 1e-2,
  triton_f16: 1e-2,
  triton_bf16: 5e-2,
};

export function externalTolerance(tag: string): number {
  return EXTERNAL_TOLERANCE[tag] ?? 5e-2;
}

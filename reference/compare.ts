import { InputError, formatShape } from './errors.js';
import { sameShape, type Tensor } from './tensor/tensor.js';

/**
 * Differences between an implementation's output and an expected tensor, as the project
 * reports them (docs/semantics.md section 7): maxRel is max|a - e| / max|e| over the whole
 * tensor, never an element-wise ratio, which explodes near zero.
 */
export interface Difference {
  readonly maxAbs: number;
  readonly maxRel: number;
  /** mean |a - e| / max|e| */
  readonly meanRel: number;
}

export function difference(actual: Tensor, expected: Tensor, name = 'actual'): Difference {
  if (!sameShape(actual.shape, expected.shape)) {
    throw new InputError(name, `shape ${formatShape(expected.shape)} (as the expected tensor)`, formatShape(actual.shape));
  }
  let maxAbs = 0;
  let sumAbs = 0;
  let scale = 0;
  for (let i = 0; i < actual.data.length; i++) {
    const diff = Math.abs(actual.data[i] - expected.data[i]);
    // NaN anywhere makes the comparison fail rather than vanish in Math.max.
    maxAbs = Number.isNaN(diff) || diff > maxAbs ? diff : maxAbs;
    if (Number.isNaN(maxAbs)) break;
    sumAbs += diff;
    scale = Math.max(scale, Math.abs(expected.data[i]));
  }
  const count = Math.max(actual.data.length, 1);
  if (Number.isNaN(maxAbs)) return { maxAbs: NaN, maxRel: NaN, meanRel: NaN };
  // An all-zero expectation has no scale: fall back to absolute error.
  const denominator = scale > 0 ? scale : 1;
  return { maxAbs, maxRel: maxAbs / denominator, meanRel: sumAbs / count / denominator };
}

/** true when d is finite and within the tolerance (NaN never passes). */
export function withinRel(d: Difference, tolerance: number): boolean {
  return d.maxRel <= tolerance;
}

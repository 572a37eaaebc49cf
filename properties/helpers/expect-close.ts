import { expect } from 'vitest';
import { difference } from '../../reference/compare.js';
import type { Tensor } from '../../reference/tensor/tensor.js';

/** Asserts maxRel(actual, expected) <= tolerance, naming the output and both errors on failure. */
export function expectClose(actual: Tensor, expected: Tensor, tolerance: number, what: string): void {
  const d = difference(actual, expected, what);
  expect(d.maxRel, `${what}: maxRel ${d.maxRel} (maxAbs ${d.maxAbs}) > ${tolerance}`).toBeLessThanOrEqual(tolerance);
}

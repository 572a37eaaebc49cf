import { expect } from 'vitest';
import type { GenerateOutputs } from '../../reference/model/generate.js';

/**
 * Greedy tokens agree, except that where they first differ both runs must have been at a
 * near tie (top two logits within 1e-4 of the logits' scale): float32 may order those either way.
 */
export function expectSameTokens(a: GenerateOutputs, b: GenerateOutputs, promptWidth: number): void {
  const [rows, total] = a.sequences.shape;
  const vocab = a.logits.shape[2];
  for (let row = 0; row < rows; row++) {
    for (let t = promptWidth; t < total; t++) {
      if (a.sequences.data[row * total + t] === b.sequences.data[row * total + t]) continue;
      const step = t - promptWidth;
      const logits = Array.from(a.logits.data.subarray((row * (total - promptWidth) + step) * vocab, (row * (total - promptWidth) + step + 1) * vocab)).sort((x, y) => y - x);
      const scale = Math.max(...logits.map(Math.abs));
      expect(logits[0] - logits[1], `row ${row} step ${step}: tokens differ without a near tie`).toBeLessThan(1e-4 * scale);
      break;
    }
  }
}

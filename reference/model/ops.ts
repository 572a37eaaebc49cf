import type { Tensor } from '../tensor/tensor.js';

/**
 * Dense float64 building blocks of the model, on flat row-major arrays.
 * `rows` is the number of token positions (b * l) a call covers.
 */

/** out (rows, out) = input (rows, in) W^T + bias, with W (out, in) as nn.Linear stores it. */
export function linear(input: Float64Array, rows: number, weight: Tensor, bias?: Tensor): Float64Array {
  const [outFeatures, inFeatures] = weight.shape;
  const w = weight.data;
  const out = new Float64Array(rows * outFeatures); // (rows, out)
  for (let r = 0; r < rows; r++) {
    const x = r * inFeatures;
    for (let o = 0; o < outFeatures; o++) {
      let acc = bias ? bias.data[o] : 0;
      const wRow = o * inFeatures;
      for (let i = 0; i < inFeatures; i++) acc += input[x + i] * w[wRow + i];
      out[r * outFeatures + o] = acc;
    }
  }
  return out;
}

export function silu(v: number): number {
  return v / (1 + Math.exp(-v));
}

/**
 * RMSNorm over consecutive blocks of `width` values: v / sqrt(mean(v^2) + eps) * weight.
 * `weight` has `weightWidth` entries, applied cyclically across the blocks of one row, so one
 * call serves the whole-width norm (width = weightWidth) and the group-wise one (width = I/g).
 */
export function rmsNorm(values: Float64Array, width: number, weight: Tensor, eps: number): Float64Array {
  const out = new Float64Array(values.length);
  const weightWidth = weight.data.length;
  for (let start = 0; start < values.length; start += width) {
    let sumSquares = 0;
    for (let i = 0; i < width; i++) sumSquares += values[start + i] ** 2;
    const scale = 1 / Math.sqrt(sumSquares / width + eps);
    for (let i = 0; i < width; i++) out[start + i] = values[start + i] * scale * weight.data[(start + i) % weightWidth];
  }
  return out;
}

/** Index of the largest value in data[offset, offset + count); the first one on ties (as torch.argmax). */
export function argmax(data: Float64Array, offset: number, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (data[offset + i] > data[offset + best]) best = i;
  return best;
}

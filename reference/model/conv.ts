import type { Tensor } from '../tensor/tensor.js';
import { silu } from './ops.js';

/**
 * The mixer's causal depthwise conv1d over xBC followed by SiLU:
 * out_t = silu(sum_{k<K} w[c,0,k] * xpad[t+k] + bias), xpad = the K-1 previous raw inputs
 * (the cached tail, zeros at the start) then x.
 */
export interface ConvResult {
  /** (b, l, C) after SiLU; 0 at skipped positions */
  readonly out: Float64Array;
  /** (b, K-1, C): the last K-1 raw inputs the conv has seen, oldest first */
  readonly tail: Float64Array;
}

/**
 * `input` (b, l, C); `tail` (b, K-1, C) or undefined for zeros; `keep` (b, l) or undefined.
 * Positions with keep = 0 are skipped: they neither enter the window nor the tail, so a row
 * with padding anywhere computes what the row without it computes (the reference's identity
 * steps). Without `keep` every position counts, which is also what HF computes.
 */
export function causalConv(input: Float64Array, batch: number, length: number, channels: number, weight: Tensor, bias: Tensor | undefined, tail: Float64Array | undefined, keep?: Float64Array): ConvResult {
  const K = weight.shape[2];
  const w = weight.data; // (C, 1, K)
  const out = new Float64Array(batch * length * channels); // (b, l, C)
  const nextTail = new Float64Array(batch * (K - 1) * channels); // (b, K-1, C)
  const window = new Float64Array((K - 1 + length) * channels); // one row: tail then kept inputs
  for (let bi = 0; bi < batch; bi++) {
    if (tail) window.set(tail.subarray(bi * (K - 1) * channels, (bi + 1) * (K - 1) * channels));
    else window.fill(0, 0, (K - 1) * channels);
    let kept = 0;
    for (let t = 0; t < length; t++) {
      if (keep && keep[bi * length + t] === 0) continue;
      const at = K - 1 + kept; // window position of this input
      window.set(input.subarray((bi * length + t) * channels, (bi * length + t + 1) * channels), at * channels);
      for (let c = 0; c < channels; c++) {
        let acc = bias ? bias.data[c] : 0;
        for (let k = 0; k < K; k++) acc += w[c * K + k] * window[(at - (K - 1) + k) * channels + c];
        out[(bi * length + t) * channels + c] = silu(acc);
      }
      kept++;
    }
    nextTail.set(window.subarray(kept * channels, (kept + K - 1) * channels), bi * (K - 1) * channels);
  }
  return { out, tail: nextTail };
}

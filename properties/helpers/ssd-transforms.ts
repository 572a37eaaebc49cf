import type { SsdInputs } from '../../reference/ssd/index.js';
import { tensor, type Tensor } from '../../reference/tensor/tensor.js';

/** Steps [from, to) of a tensor whose axes 0 and 1 are (b, l). */
export function sliceTime(t: Tensor, from: number, to: number): Tensor {
  const [b, l, ...rest] = t.shape;
  const inner = rest.reduce((n, s) => n * s, 1);
  const out = tensor([b, to - from, ...rest]); // (b, to - from, ...)
  for (let bi = 0; bi < b; bi++) {
    out.data.set(t.data.subarray((bi * l + from) * inner, (bi * l + to) * inner), bi * (to - from) * inner);
  }
  return out;
}

export function sliceInputsTime(inputs: SsdInputs, from: number, to: number): SsdInputs {
  return { ...inputs, x: sliceTime(inputs.x, from, to), dt: sliceTime(inputs.dt, from, to), B: sliceTime(inputs.B, from, to), C: sliceTime(inputs.C, from, to) };
}

/** (b, l, g, n) -> (b, l, h, n): each group repeated for its h/g heads (repeat_interleave). */
export function repeatGroupsPerHead(t: Tensor, heads: number): Tensor {
  const [b, l, g, n] = t.shape;
  const out = tensor([b, l, heads, n]); // (b, l, h, n)
  for (let bt = 0; bt < b * l; bt++) {
    for (let hd = 0; hd < heads; hd++) {
      const gi = Math.floor(hd / (heads / g));
      out.data.set(t.data.subarray((bt * g + gi) * n, (bt * g + gi + 1) * n), (bt * heads + hd) * n);
    }
  }
  return out;
}

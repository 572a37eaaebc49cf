import { tensor, type Tensor } from '../../reference/tensor/tensor.js';

/** Positions [from, to) of row `row` of a (b, l, ...) tensor, as a (1, to - from, ...) tensor. */
export function rowSlice(t: Tensor, row: number, from: number, to: number): Tensor {
  const [, l, ...rest] = t.shape;
  const inner = rest.reduce((n, s) => n * s, 1);
  return tensor([1, to - from, ...rest], t.data.subarray((row * l + from) * inner, (row * l + to) * inner));
}

export { batchRow } from '../../reference/tensor/tensor.js';

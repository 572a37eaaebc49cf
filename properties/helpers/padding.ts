import { tensor, type Tensor } from '../../reference/tensor/tensor.js';

export type PaddingSide = 'left' | 'right';

/** Rows of different lengths padded to the longest: ids (b, L) and attention mask (b, L). */
export function padRows(rows: readonly (readonly number[])[], side: PaddingSide, padId: number): { inputIds: Tensor; attentionMask: Tensor } {
  const width = Math.max(...rows.map((r) => r.length));
  const ids: number[] = [];
  const mask: number[] = [];
  for (const row of rows) {
    const padding = new Array<number>(width - row.length).fill(padId);
    const zeros = new Array<number>(width - row.length).fill(0);
    const ones = new Array<number>(row.length).fill(1);
    ids.push(...(side === 'left' ? [...padding, ...row] : [...row, ...padding]));
    mask.push(...(side === 'left' ? [...zeros, ...ones] : [...ones, ...zeros]));
  }
  return { inputIds: tensor([rows.length, width], ids), attentionMask: tensor([rows.length, width], mask) };
}

/** Positions [from, to) of row `row` of a (b, l, ...) tensor, as a (1, to - from, ...) tensor. */
export function rowSlice(t: Tensor, row: number, from: number, to: number): Tensor {
  const [, l, ...rest] = t.shape;
  const inner = rest.reduce((n, s) => n * s, 1);
  return tensor([1, to - from, ...rest], t.data.subarray((row * l + from) * inner, (row * l + to) * inner));
}

/** Row `row` of a tensor whose first axis is the batch, as a batch of one. */
export function batchRow(t: Tensor, row: number): Tensor {
  const [b, ...rest] = t.shape;
  const inner = t.data.length / b;
  return tensor([1, ...rest], t.data.subarray(row * inner, (row + 1) * inner));
}

import { tensor, type Tensor } from '../tensor/tensor.js';

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

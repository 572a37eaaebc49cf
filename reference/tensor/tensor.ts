import { InputError, formatShape } from '../errors.js';

/**
 * A dense float64 tensor: row-major data with explicit shape and strides (in elements).
 * The reference creates only contiguous tensors; strides are kept so that views and foreign
 * layouts (kernels, ONNX) can be described with the same type.
 */
export interface Tensor {
  readonly data: Float64Array;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = step;
    step *= shape[axis];
  }
  return strides;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((count, size) => count * size, 1);
}

/** A contiguous tensor over `data` (zeros when omitted); `data.length` must match `shape`. */
export function tensor(shape: readonly number[], data?: Float64Array | readonly number[]): Tensor {
  for (const size of shape) {
    if (!Number.isInteger(size) || size < 0) {
      throw new InputError('shape', 'non-negative integer sizes', formatShape(shape));
    }
  }
  const count = elementCount(shape);
  const values = data === undefined ? new Float64Array(count) : Float64Array.from(data);
  if (values.length !== count) {
    throw new InputError('data', `${count} elements for shape ${formatShape(shape)}`, `${values.length}`);
  }
  return { data: values, shape: [...shape], strides: contiguousStrides(shape) };
}

export function isContiguous(t: Tensor): boolean {
  const expected = contiguousStrides(t.shape);
  return t.strides.every((stride, axis) => stride === expected[axis] || t.shape[axis] === 1);
}

/** A contiguous copy with the same shape (the identity on data for contiguous tensors). */
export function toContiguous(t: Tensor): Tensor {
  if (isContiguous(t)) return t;
  const out = tensor(t.shape);
  const index = new Array<number>(t.shape.length).fill(0);
  for (let flat = 0; flat < out.data.length; flat++) {
    let offset = 0;
    for (let axis = 0; axis < index.length; axis++) offset += index[axis] * t.strides[axis];
    out.data[flat] = t.data[offset];
    for (let axis = index.length - 1; axis >= 0; axis--) {
      if (++index[axis] < t.shape[axis]) break;
      index[axis] = 0;
    }
  }
  return out;
}

export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  const source = toContiguous(t);
  if (elementCount(shape) !== source.data.length) {
    throw new InputError('shape', `${source.data.length} elements (from ${formatShape(t.shape)})`, formatShape(shape));
  }
  return { data: source.data, shape: [...shape], strides: contiguousStrides(shape) };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}

/** Row `row` of a tensor whose first axis is the batch, as a batch of one (a copy). */
export function batchRow(t: Tensor, row: number): Tensor {
  const source = toContiguous(t);
  const [b, ...rest] = source.shape;
  const inner = source.data.length / b;
  return tensor([1, ...rest], source.data.subarray(row * inner, (row + 1) * inner));
}

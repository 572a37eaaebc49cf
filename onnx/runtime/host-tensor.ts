import { fromFp16Bits, toFp16Bits } from '../../reference/tensor/precision.js';
import { tensor, toContiguous, type Tensor } from '../../reference/tensor/tensor.js';
import type { DataType, DataTypeMap } from '../graph/dtypes.js';

/** A tensor on the host in one of the graph element types: what goes into and out of a session. */
export interface HostTensor<T extends DataType = DataType> {
  readonly dtype: T;
  readonly dims: readonly number[];
  readonly data: DataTypeMap[T];
}

/** float64 reference tensor -> float32 or float16 (round to nearest even) host tensor. */
export function toHost(t: Tensor, dtype: 'float32' | 'float16'): HostTensor {
  const values = toContiguous(t).data;
  const data = dtype === 'float32' ? Float32Array.from(values) : Uint16Array.from(values, toFp16Bits);
  return { dtype, dims: t.shape, data };
}

export function int64Host(dims: readonly number[], values: ArrayLike<number>): HostTensor<'int64'> {
  return { dtype: 'int64', dims, data: BigInt64Array.from(Array.from(values), (v) => BigInt(v)) };
}

/** host tensor (float32, float16 or int64) -> float64 reference tensor. */
export function fromHost(h: HostTensor): Tensor {
  switch (h.dtype) {
    case 'float32': return tensor(h.dims, Float64Array.from(h.data as Float32Array));
    case 'float16': return tensor(h.dims, Float64Array.from(h.data as Uint16Array, fromFp16Bits));
    case 'int64': return tensor(h.dims, Float64Array.from(h.data as BigInt64Array, Number));
    case 'bool': return tensor(h.dims, Float64Array.from(h.data as Uint8Array));
  }
}

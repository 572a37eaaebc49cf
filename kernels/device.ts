import { InputError } from '../reference/errors.js';
import { fromBf16Bits, fromFp16Bits, toBf16Bits, toFp16Bits } from '../reference/tensor/precision.js';
import { tensor, toContiguous, type Tensor } from '../reference/tensor/tensor.js';
import { cudaStatus, loadKernels, type DeviceDType, type DeviceTensor, type KernelsBinding } from './native.js';

/** The binding, or an InputError saying why the cuda implementation cannot run here. */
export function requireKernels(): KernelsBinding {
  const status = cudaStatus();
  if (!status.available) throw new InputError('--impl cuda', 'a built CUDA addon and a CUDA device', status.reason ?? 'unavailable');
  return loadKernels().binding!;
}

/** float64 tensor -> device tensor of `dtype` (rounded to nearest even). */
export function toDevice(k: KernelsBinding, t: Tensor, dtype: DeviceDType): DeviceTensor {
  const values = toContiguous(t).data;
  const data = dtype === 'float32' ? Float32Array.from(values) : Uint16Array.from(values, dtype === 'float16' ? toFp16Bits : toBf16Bits);
  return k.upload(data, dtype, t.shape);
}

export function fromDevice(d: DeviceTensor): Tensor {
  const data = d.download();
  const values = d.dtype === 'float32' ? Float64Array.from(data as Float32Array) : Float64Array.from(data as Uint16Array, d.dtype === 'float16' ? fromFp16Bits : fromBf16Bits);
  return tensor(d.shape, values);
}

/**
 * Device tensors allocated for one call, all freed when it ends however it ends: a failing
 * launch leaks nothing.
 */
export async function withDeviceScope<T>(body: (track: <D extends DeviceTensor>(d: D) => D) => Promise<T> | T): Promise<T> {
  const owned: DeviceTensor[] = [];
  try {
    return await body((d) => {
      owned.push(d);
      return d;
    });
  } finally {
    for (const d of owned) d.free();
  }
}

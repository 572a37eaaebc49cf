import { InputError } from '../reference/errors.js';
import { prepareSsd, type SsdInputs, type SsdOutputs } from '../reference/ssd/inputs.js';
import type { SsdStepInputs, SsdStepOutputs } from '../reference/ssd/recurrent.js';
import { tensor } from '../reference/tensor/tensor.js';
import { fromDevice, requireKernels, toDevice, withDeviceScope } from './device.js';
import type { ChunkedKernel, DeviceDType } from './native.js';

export interface CudaSsdOptions {
  readonly chunkSize: number;
  /** storage of x, B, C and y; dt, A, D, dt_bias and the state are float32 */
  readonly dtype: DeviceDType;
  /** the chunked forward to run; default 'auto', the first that takes the shape */
  readonly kernel?: ChunkedKernel;
}

/** The SSD layer through the CUDA kernel: validated as the reference validates, then launched. */
export async function ssdCuda(inputs: SsdInputs, options: CudaSsdOptions): Promise<SsdOutputs> {
  if (inputs.mask !== undefined) throw new InputError('mask', 'no mask (the kernel takes real tokens only)', 'a mask');
  const s = prepareSsd(inputs);
  if (s.length === 0) throw new InputError('x', 'a sequence of at least one step', 'l = 0');
  const k = requireKernels();
  const [lo, hi] = inputs.timeStepLimit ?? [0, Infinity];
  return withDeviceScope((track) => {
    const f32 = (data: Float64Array, shape: number[]) => track(k.upload(Float32Array.from(data), 'float32', shape));
    const out = k.ssdChunked({
      x: track(toDevice(k, inputs.x, options.dtype)),
      B: track(toDevice(k, inputs.B, options.dtype)),
      C: track(toDevice(k, inputs.C, options.dtype)),
      dt: track(toDevice(k, inputs.dt, 'float32')),
      A: f32(s.A, [s.heads]),
      D: f32(s.D, [s.heads]),
      dtBias: track(toDevice(k, inputs.dtBias, 'float32')),
      initialState: f32(s.initialState, [s.batch, s.heads, s.headDim, s.stateSize]),
      chunkSize: options.chunkSize,
      dtLo: lo,
      dtHi: hi,
      kernel: options.kernel,
    });
    track(out.y);
    track(out.finalState);
    return { y: fromDevice(out.y), finalState: fromDevice(out.finalState) };
  });
}

/** One decode step through the CUDA step kernel. */
export async function ssdStepCuda(inputs: SsdStepInputs, options: { readonly dtype: DeviceDType }): Promise<SsdStepOutputs> {
  const k = requireKernels();
  const [b, h] = inputs.x.shape;
  const A = inputs.A ?? (inputs.ALog && tensor(inputs.ALog.shape, inputs.ALog.data.map((v) => -Math.exp(v))));
  if (!A) throw new InputError('A / ALog', 'one of them', 'neither');
  const [lo, hi] = inputs.timeStepLimit ?? [0, Infinity];
  return withDeviceScope((track) => {
    const state = track(toDevice(k, inputs.state, 'float32'));
    const y = track(k.ssdStep({
      state,
      x: track(toDevice(k, inputs.x, options.dtype)),
      B: track(toDevice(k, inputs.B, options.dtype)),
      C: track(toDevice(k, inputs.C, options.dtype)),
      dt: track(toDevice(k, inputs.dt, 'float32')),
      A: track(toDevice(k, A, 'float32')),
      D: inputs.D && track(toDevice(k, inputs.D, 'float32')),
      dtBias: track(toDevice(k, inputs.dtBias, 'float32')),
      dtLo: lo,
      dtHi: hi,
    }));
    const out = fromDevice(y);
    return { y: tensor([b, h, inputs.x.shape[2]], out.data), state: fromDevice(state) };
  });
}

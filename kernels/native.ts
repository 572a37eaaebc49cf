import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Storage types on the device; must match the binding's dtype names (kernels/binding/addon.cc). */
export type DeviceDType = 'float32' | 'float16' | 'bfloat16';
export const DTYPES: readonly DeviceDType[] = ['float32', 'float16', 'bfloat16'];

/** Device memory owned by JavaScript: freed by free() or, at the latest, when collected. */
export interface DeviceTensor {
  readonly dtype: DeviceDType;
  readonly shape: readonly number[];
  readonly bytes: number;
  readonly freed: boolean;
  /** float32 -> Float32Array; float16 and bfloat16 -> their bits as Uint16Array */
  download(): Float32Array | Uint16Array;
  free(): void;
}

export interface DeviceInfo {
  readonly available: boolean;
  readonly reason?: string;
  readonly name?: string;
  readonly computeCapability?: string;
  readonly driverVersion?: number;
  readonly runtimeVersion: number;
  readonly devices?: number;
}

/** The chunked forwards by name (kernels/README.md); 'auto' runs the first that takes the shape. */
export type ChunkedKernel = 'auto' | 'kernel4' | 'kernel3' | 'kernel2';
export const CHUNKED_KERNELS: readonly ChunkedKernel[] = ['auto', 'kernel4', 'kernel3', 'kernel2'];

type Tensors<K extends string> = { readonly [key in K]: DeviceTensor };
type Optional<K extends string> = { readonly [key in K]?: DeviceTensor };

/** The addon's exports, declared once (kernels/binding/addon.cc). */
export interface KernelsBinding {
  deviceInfo(): DeviceInfo;
  memoryInfo(): { free: number; total: number };
  upload(data: Float32Array | Uint16Array, dtype: DeviceDType, shape: readonly number[]): DeviceTensor;
  zeros(dtype: DeviceDType, shape: readonly number[]): DeviceTensor;
  ssdChunked(args: Tensors<'x' | 'dt' | 'A' | 'B' | 'C' | 'dtBias'> & Optional<'D' | 'initialState'> & { chunkSize: number; dtLo?: number; dtHi?: number; kernel?: ChunkedKernel }): { y: DeviceTensor; finalState: DeviceTensor; kernel: Exclude<ChunkedKernel, 'auto'> };
  ssdStep(args: Tensors<'state' | 'x' | 'dt' | 'A' | 'B' | 'C' | 'dtBias'> & Optional<'D'> & { dtLo?: number; dtHi?: number }): DeviceTensor;
  conv(args: Tensors<'x' | 'weight'> & Optional<'bias' | 'tail'>): { out: DeviceTensor; tail: DeviceTensor };
  gatedNorm(args: Tensors<'y' | 'z' | 'weight'> & { groupSize: number; eps: number }): DeviceTensor;
  /** device ms per repetition (CUDA events, L2 flushed before each), after untimed warm-ups */
  timeSsdChunked(args: Parameters<KernelsBinding['ssdChunked']>[0], options: { warmup: number; reps: number }): number[];
  timeSsdStep(args: Parameters<KernelsBinding['ssdStep']>[0], options: { warmup: number; reps: number }): number[];
  /** a device-to-device copy of `from` into `to` (equal byte counts), timed as the kernels are */
  timeCopy(args: { from: DeviceTensor; to: DeviceTensor }, options: { warmup: number; reps: number }): number[];
  fillUniform(t: DeviceTensor, seed: number, lo: number, hi: number): void;
}

export const ADDON_PATH = fileURLToPath(new URL('../build/kernels/ssdcheck_kernels.node', import.meta.url));

let loaded: { binding?: KernelsBinding; reason?: string } | undefined;

/** The addon, or why there is none (not built: no nvcc at install; or it failed to load). */
export function loadKernels(): { binding?: KernelsBinding; reason?: string } {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) {
    loaded = { reason: `the CUDA addon is not built (${ADDON_PATH} is missing; npm ci builds it where nvcc is installed, or run npm run build:kernels)` };
  } else {
    try {
      loaded = { binding: createRequire(import.meta.url)(ADDON_PATH) as KernelsBinding };
    } catch (error) {
      loaded = { reason: `the CUDA addon failed to load: ${(error as Error).message}` };
    }
  }
  return loaded;
}

/** Whether the kernels can run here, and the device they would run on. */
export function cudaStatus(): { available: boolean; reason?: string; device?: DeviceInfo } {
  const { binding, reason } = loadKernels();
  if (!binding) return { available: false, reason };
  const device = binding.deviceInfo();
  return device.available ? { available: true, device } : { available: false, reason: device.reason, device };
}

/**
 * The CUDA kernels that have a CPU emulation (kernels/emulate/: kernel4, the chunked SSD on
 * mma.sync in bf16 and fp32, its bf16 chunk outputs' wgmma as the 8 mma.sync a warp that GPUs
 * without sm_90a run, and the decode step's kernel4), run through it: their fragment
 * bookkeeping, masks, swizzled tiles and tile loops checked on any machine with g++, CI
 * included, before the GPU gate runs them for real.
 * The emulator binary is built on first use into build/emulate/ (about 10 s).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../reference/errors.js';
import { negativeA, prepareSsd, type SsdInputs, type SsdOutputs } from '../reference/ssd/inputs.js';
import type { SsdStepInputs, SsdStepOutputs } from '../reference/ssd/recurrent.js';
import { fromBf16Bits, fromFp16Bits, toBf16Bits, toFp16Bits } from '../reference/tensor/precision.js';
import { tensor, toContiguous, type Tensor } from '../reference/tensor/tensor.js';
import type { DeviceDType } from './native.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = [join(root, 'kernels', 'emulate'), join(root, 'kernels', 'src')];
const binary = join(root, 'build', 'emulate', 'ssd_emulated');
const cuda = process.env.CUDA_HOME ?? '/usr/local/cuda';

export interface EmulatorStatus {
  readonly available: boolean;
  readonly reason?: string;
}

let status: EmulatorStatus | undefined;

function newestSource(): number {
  return Math.max(...sources.flatMap((dir) => readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs)));
}

/** Builds the emulator when it is missing or older than a source; says why it cannot run. */
export function emulatorStatus(): EmulatorStatus {
  if (status) return status;
  if (!existsSync(join(cuda, 'include', 'cuda_bf16.h'))) return (status = { available: false, reason: `CUDA headers not found in ${cuda}/include (set CUDA_HOME)` });
  if (existsSync(binary) && statSync(binary).mtimeMs >= newestSource()) return (status = { available: true });
  mkdirSync(join(root, 'build', 'emulate'), { recursive: true });
  // -fno-strict-aliasing: CUDA code reads bf16 arrays as uint4 and the like, which nvcc allows
  // and g++ -O2 otherwise miscompiles (chunk states came out zero).
  const build = spawnSync('g++', ['-O2', '-fno-strict-aliasing', '-std=c++20', `-I${join(cuda, 'include')}`, `-I${sources[0]}`, `-I${sources[1]}`, join(sources[0], 'ssd_emulated.cc'), '-o', binary], { encoding: 'utf-8' });
  if (build.error) return (status = { available: false, reason: `g++ not runnable (${build.error.message})` });
  if (build.status !== 0) throw new Error(`kernels/emulate: g++ failed:\n${build.stderr.slice(-3000)}`);
  return (status = { available: true });
}

function requireEmulator(): void {
  const s = emulatorStatus();
  if (!s.available) throw new InputError('--impl cuda-emulated', 'g++ and the CUDA headers', s.reason ?? 'unavailable');
}

const int64s = (...values: number[]) => new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
const float32s = (values: ArrayLike<number>) => new Uint8Array(Float32Array.from(values).buffer);
function stored(t: Tensor | Float64Array, dtype: DeviceDType): Uint8Array {
  const values = t instanceof Float64Array ? t : toContiguous(t).data;
  if (dtype === 'float32') return float32s(values);
  return new Uint8Array(Uint16Array.from(values, dtype === 'float16' ? toFp16Bits : toBf16Bits).buffer);
}
function loaded(bytes: Buffer, at: number, count: number, dtype: DeviceDType): Float64Array {
  const view = bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + count * (dtype === 'float32' ? 4 : 2));
  if (dtype === 'float32') return Float64Array.from(new Float32Array(view));
  return Float64Array.from(new Uint16Array(view), dtype === 'float16' ? fromFp16Bits : fromBf16Bits);
}

/** Writes the input file, runs the emulator, returns the output file's bytes. */
function run(mode: 'chunked' | 'step', parts: Uint8Array[], expectedBytes: number): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'ssdcheck-emulate-'));
  try {
    writeFileSync(join(dir, 'in'), Buffer.concat(parts));
    const result = spawnSync(binary, [mode, join(dir, 'in'), join(dir, 'out')], { encoding: 'utf-8' });
    if (result.status !== 0) throw new Error(`kernels/emulate: ${mode} exited with ${result.status ?? result.signal}: ${result.stderr.trim()}`);
    const out = readFileSync(join(dir, 'out'));
    if (out.length !== expectedBytes) throw new Error(`kernels/emulate: expected ${expectedBytes} output bytes, got ${out.length}`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The chunked SSD through kernel4 on the CPU, as ssdCuda launches it (kernels/ssd.ts): bf16
 * (p, n multiples of 8) or fp32 on 3xTF32 (multiples of 4), up to (64, 128).
 */
export function ssdEmulated(inputs: SsdInputs, options: { readonly chunkSize: number; readonly dtype: 'float32' | 'bfloat16' }): SsdOutputs {
  requireEmulator();
  const s = prepareSsd(inputs);
  const { batch: b, length: l, heads: h, headDim: p, groups: g, stateSize: n } = s;
  const { dtype } = options;
  const multiple = dtype === 'float32' ? 4 : 8;
  if (p % multiple !== 0 || n % multiple !== 0 || p > 64 || n > 128) throw new InputError('x, B', `p and n multiples of ${multiple} up to 64 and 128 (kernel4, ${dtype})`, `p = ${p}, n = ${n}`);
  const [lo, hi] = inputs.timeStepLimit ?? [0, Infinity];
  const es = dtype === 'float32' ? 4 : 2;
  const out = run('chunked', [
    int64s(b, l, h, p, g, n, options.chunkSize, dtype === 'float32' ? 0 : 2), float32s([lo, hi]),
    stored(inputs.x, dtype), stored(inputs.dt, 'float32'), float32s(s.A), stored(inputs.B, dtype), stored(inputs.C, dtype),
    float32s(s.D), stored(inputs.dtBias, 'float32'), float32s(s.initialState),
  ], es * b * l * h * p + 4 * b * h * p * n);
  return {
    y: tensor([b, l, h, p], loaded(out, 0, b * l * h * p, dtype)), // (b, l, h, p)
    finalState: tensor([b, h, p, n], loaded(out, es * b * l * h * p, b * h * p * n, 'float32')), // (b, h, p, n)
  };
}

/** One decode step through the step's kernel4 on the CPU, as ssdStepCuda launches it. */
export function ssdStepEmulated(inputs: SsdStepInputs, options: { readonly dtype: DeviceDType }): SsdStepOutputs {
  requireEmulator();
  const [b, h, p] = inputs.x.shape;
  const [, g, n] = inputs.B.shape;
  const A = negativeA(inputs.A, inputs.ALog, h);
  const [lo, hi] = inputs.timeStepLimit ?? [0, Infinity];
  const dtypeCode = { float32: 0, float16: 1, bfloat16: 2 }[options.dtype];
  const es = options.dtype === 'float32' ? 4 : 2;
  const out = run('step', [
    int64s(b, h, p, g, n, dtypeCode), float32s([lo, hi]),
    stored(inputs.state, 'float32'), stored(inputs.x, options.dtype), stored(inputs.dt, 'float32'), float32s(A),
    stored(inputs.B, options.dtype), stored(inputs.C, options.dtype), float32s(inputs.D?.data ?? new Float64Array(h)), stored(inputs.dtBias, 'float32'),
  ], es * b * h * p + 4 * b * h * p * n);
  return {
    y: tensor([b, h, p], loaded(out, 0, b * h * p, options.dtype)), // (b, h, p)
    state: tensor([b, h, p, n], loaded(out, es * b * h * p, b * h * p * n, 'float32')), // (b, h, p, n)
  };
}

import type { Tensor } from './tensor.js';

/**
 * Rounding float64 values to the storage formats the other implementations use, so that the
 * reference can emulate them (drift baselines) and read fp16/bf16 checkpoints.
 * Every conversion is round-to-nearest-even straight from float64: going through float32
 * first would round twice and differ from a hardware cast in rare halfway cases.
 */
export type Precision = 'fp64' | 'fp32' | 'fp16' | 'bf16';
export const PRECISIONS: readonly Precision[] = ['fp64', 'fp32', 'fp16', 'bf16'];

interface BinaryFormat {
  /** stored mantissa bits */
  readonly mantissaBits: number;
  /** smallest normal exponent; below it values are subnormal with a fixed quantum */
  readonly minExponent: number;
  readonly maxExponent: number;
}

// Must match the IEEE-754 binary16 and bfloat16 layouts used by the bit converters below.
const FP16: BinaryFormat = { mantissaBits: 10, minExponent: -14, maxExponent: 15 };
const BF16: BinaryFormat = { mantissaBits: 7, minExponent: -126, maxExponent: 127 };

function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor; // exact: value has few integer bits here
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function exponentOf(magnitude: number): number {
  // Math.log2 can be off by one next to powers of two; correct it exactly.
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--;
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  return exponent;
}

function roundToFormat(value: number, format: BinaryFormat): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.abs(value);
  const exponent = Math.max(exponentOf(magnitude), format.minExponent);
  if (exponent > format.maxExponent) return Math.sign(value) * Infinity;
  const quantum = 2 ** (exponent - format.mantissaBits);
  const rounded = roundHalfToEven(magnitude / quantum) * quantum;
  // Rounding up past the largest finite value overflows, as a hardware cast does.
  if (rounded >= 2 ** (format.maxExponent + 1)) return Math.sign(value) * Infinity;
  return Math.sign(value) * rounded;
}

/**
 * The two values of `precision` around `value` (equal when it is representable): what a
 * faithful rounding may return. fp32 and fp64 give the value rounded, both ways alike.
 */
export function bracketIn(precision: Precision, value: number): readonly [number, number] {
  if (precision === 'fp64' || precision === 'fp32' || !Number.isFinite(value) || value === 0) {
    const r = roundTo(precision, value);
    return [r, r];
  }
  const format = precision === 'fp16' ? FP16 : BF16;
  const magnitude = Math.abs(value);
  const quantum = 2 ** (Math.max(exponentOf(magnitude), format.minExponent) - format.mantissaBits);
  const limit = (v: number) => (v >= 2 ** (format.maxExponent + 1) ? Infinity : v);
  const down = Math.floor(magnitude / quantum) * quantum, up = limit(Math.ceil(magnitude / quantum) * quantum);
  return value > 0 ? [down, up] : [-up, -down];
}

export function roundToFp16(value: number): number {
  return roundToFormat(value, FP16);
}

export function roundToBf16(value: number): number {
  return roundToFormat(value, BF16);
}

export function roundTo(precision: Precision, value: number): number {
  switch (precision) {
    case 'fp64': return value;
    case 'fp32': return Math.fround(value);
    case 'fp16': return roundToFp16(value);
    case 'bf16': return roundToBf16(value);
  }
}

/** A copy of `t` with every element rounded to `precision` (still stored as float64). */
export function roundTensor(t: Tensor, precision: Precision): Tensor {
  const data = new Float64Array(t.data.length);
  for (let i = 0; i < data.length; i++) data[i] = roundTo(precision, t.data[i]);
  return { data, shape: t.shape, strides: t.strides };
}

/** binary16 bits of `value` (rounded to nearest even). */
export function toFp16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const rounded = roundToFp16(value);
  const sign = rounded < 0 || Object.is(rounded, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(rounded);
  if (magnitude === Infinity) return sign | 0x7c00;
  if (magnitude < 2 ** FP16.minExponent) return sign | Math.round(magnitude / 2 ** (FP16.minExponent - FP16.mantissaBits));
  const exponent = exponentOf(magnitude);
  const mantissa = Math.round((magnitude / 2 ** exponent - 1) * 2 ** FP16.mantissaBits);
  return sign | ((exponent + 15) << 10) | mantissa;
}

export function fromFp16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponentField = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponentField === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponentField === 0) return sign * mantissa * 2 ** (FP16.minExponent - FP16.mantissaBits);
  return sign * (1 + mantissa / 1024) * 2 ** (exponentField - 15);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** bfloat16 bits of `value` (rounded to nearest even): bfloat16 is the top half of a float32. */
export function toBf16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7fc0;
  f32Scratch[0] = roundToBf16(value); // exact in float32
  return u32Scratch[0] >>> 16;
}

export function fromBf16Bits(bits: number): number {
  u32Scratch[0] = (bits & 0xffff) << 16;
  return f32Scratch[0];
}

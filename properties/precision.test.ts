import { fc, test } from '@fast-check/vitest';
import { describe, expect, test as plainTest } from 'vitest';
import { bracketIn, fromBf16Bits, fromFp16Bits, roundToBf16, roundToFp16, toBf16Bits, toFp16Bits } from '../reference/tensor/precision.js';

interface Format {
  readonly name: 'fp16' | 'bf16';
  readonly toBits: (v: number) => number;
  readonly fromBits: (bits: number) => number;
  readonly round: (v: number) => number;
  readonly maxFinite: number;
}

const FORMATS: Format[] = [
  { name: 'fp16', toBits: toFp16Bits, fromBits: fromFp16Bits, round: roundToFp16, maxFinite: 65504 },
  { name: 'bf16', toBits: toBf16Bits, fromBits: fromBf16Bits, round: roundToBf16, maxFinite: 3.3895313892515355e38 },
];

const isNaNBits = (f: Format, bits: number) => Number.isNaN(f.fromBits(bits));

describe.each(FORMATS)('$name rounding', (f) => {
  plainTest('every bit pattern decodes and re-encodes to itself (exhaustive, NaN excepted)', () => {
    let checked = 0;
    for (let bits = 0; bits < 0x10000; bits++) {
      if (isNaNBits(f, bits)) continue;
      expect(f.toBits(f.fromBits(bits)), `bits 0x${bits.toString(16)}`).toBe(bits);
      checked++;
    }
    expect(checked).toBeGreaterThan(63000);
  });

  plainTest('the largest finite value stays, beyond it overflows to infinity, NaN stays NaN', () => {
    expect(f.round(f.maxFinite)).toBe(f.maxFinite);
    expect(f.round(-f.maxFinite * 1.01)).toBe(-Infinity);
    expect(Number.isNaN(f.fromBits(f.toBits(NaN)))).toBe(true);
  });

  // Positive finite patterns below Infinity: bits 0 .. 0x7bff (fp16) or 0x7f7f (bf16).
  const lastFinite = f.toBits(f.maxFinite);
  // A value a fraction of the way from one finite pattern to the next, either sign.
  const betweenNeighbours = fc.tuple(fc.integer({ min: 0, max: lastFinite - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean())
    .map(([lowBits, fraction, negative]) => {
      const low = f.fromBits(lowBits);
      const high = f.fromBits(lowBits + 1);
      return { lowBits, fraction, low, high, value: low + (high - low) * fraction, sign: negative ? -1 : 1 };
    });
  test.prop([betweenNeighbours])(
    'a value between two neighbours rounds to the nearer, ties to the even pattern',
    ({ lowBits, fraction, low, high, value, sign }) => {
      const expected = fraction < 0.5 ? low : fraction > 0.5 ? high : lowBits % 2 === 0 ? low : high;
      // Interpolation itself rounds in float64; only check values that really lie on one side.
      const exactSide = value - low < high - value ? low : value - low > high - value ? high : expected;
      expect(f.round(sign * value)).toBe(sign * exactSide);
      expect(f.fromBits(f.toBits(sign * value))).toBe(sign * exactSide);
    },
  );

  test.prop([fc.integer({ min: 0, max: lastFinite - 1 }), fc.boolean()])('an exact midpoint rounds to the even pattern', (lowBits, negative) => {
    const midpoint = (f.fromBits(lowBits) + f.fromBits(lowBits + 1)) / 2; // exact in float64
    const even = lowBits % 2 === 0 ? lowBits : lowBits + 1;
    const sign = negative ? -1 : 1;
    expect(f.round(sign * midpoint)).toBe(sign * f.fromBits(even));
  });

  test.prop([betweenNeighbours])(
    'bracketIn gives the two neighbouring patterns around a value, or the value twice when representable',
    ({ low, high, value, sign }) => {
      const [down, up] = bracketIn(f.name, sign * value);
      const expected = value === low ? [low, low] : value === high ? [high, high] : [low, high];
      // + 0 folds -0 into 0: the bracket of -0 is itself.
      expect((sign < 0 ? [-up, -down] : [down, up]).map((v) => v + 0)).toEqual(expected);
    },
  );
});

describe('bf16 against the float32 bit trick', () => {
  // For float32 inputs, round-to-nearest-even to bf16 is the classic integer trick on the bits;
  // an independent oracle for the arithmetic rounding above.
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  test.prop([fc.float({ noNaN: true, noDefaultInfinity: true })])('toBf16Bits equals (u + 0x7fff + lsb) >> 16', (value) => {
    f32[0] = value;
    const u = u32[0];
    const expected = ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
    expect(toBf16Bits(value)).toBe(expected);
  });
});

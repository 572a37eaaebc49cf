import fc from 'fast-check';
import type { WritableDtype } from '../../reference/io/safetensors-write.js';
import { tensor, type Tensor } from '../../reference/tensor/tensor.js';

export interface StoredTensor {
  readonly name: string;
  readonly dtype: WritableDtype;
  readonly tensor: Tensor;
}

const storedTensor: fc.Arbitrary<StoredTensor> = fc
  .record({
    // Names that are Object.prototype keys ('__proto__', 'constructor') are drawn often: they
    // once broke the writer.
    name: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')).filter((s) => s !== '__metadata__'),
    dtype: fc.constantFrom<WritableDtype>('F64', 'F32', 'F16', 'BF16', 'I64'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .chain(({ name, dtype, shape }) => {
    const count = shape.reduce((n, s) => n * s, 1);
    const value = dtype === 'I64' ? fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) : fc.double({ min: -1e4, max: 1e4, noNaN: true });
    return fc.array(value, { minLength: count, maxLength: count }).map((values) => ({ name, dtype, tensor: tensor(shape, values) }));
  });

/** A set of tensors with distinct names, of every writable dtype and any (also empty) shape. */
export const storedTensors = (): fc.Arbitrary<StoredTensor[]> =>
  fc.uniqueArray(storedTensor, { selector: (t) => t.name, maxLength: 5 });

export const metadata = (): fc.Arbitrary<Record<string, string>> =>
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 });

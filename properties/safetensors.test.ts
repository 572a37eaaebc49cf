import { fc, test } from '@fast-check/vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test as plainTest } from 'vitest';
import { SafetensorsError, SafetensorsFile, withSafetensors } from '../reference/io/safetensors.js';
import { encodeSafetensors } from '../reference/io/safetensors-write.js';
import { roundTo, type Precision } from '../reference/tensor/precision.js';
import { tensor } from '../reference/tensor/tensor.js';
import { metadata, storedTensors, type StoredTensor } from './arbitraries/safetensors-file.js';

const PRECISION_OF = { F64: 'fp64', F32: 'fp32', F16: 'fp16', BF16: 'bf16', I64: 'fp64' } as const satisfies Record<string, Precision>;

function encode(tensors: StoredTensor[], meta: Record<string, string> = {}): Uint8Array {
  return encodeSafetensors(Object.fromEntries(tensors.map((t) => [t.name, { tensor: t.tensor, dtype: t.dtype }])), meta);
}

/** Parses and reads every tensor; returns 'ok' or the error, which must be a SafetensorsError. */
function parseAll(bytes: Uint8Array): 'ok' | SafetensorsError {
  try {
    const file = SafetensorsFile.fromBytes(bytes);
    for (const name of file.names()) file.read(name);
    return 'ok';
  } catch (error) {
    if (error instanceof SafetensorsError) return error;
    throw error;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ssdcheck-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('safetensors reader', () => {
  test.prop([storedTensors(), metadata()])('round-trips every dtype, shape and metadata (values rounded to the dtype)', (tensors, meta) => {
    const file = SafetensorsFile.fromBytes(encode(tensors, meta));
    expect(file.names().sort()).toEqual(tensors.map((t) => t.name).sort());
    expect(file.metadata).toEqual(meta);
    for (const t of tensors) {
      const read = file.read(t.name);
      expect(read.shape).toEqual(t.tensor.shape);
      expect(Array.from(read.data)).toEqual(Array.from(t.tensor.data, (v) => roundTo(PRECISION_OF[t.dtype], v)));
    }
  });

  test.prop([storedTensors(), fc.nat()])('a truncated file is a SafetensorsError, in memory and on disk', (tensors, cut) => {
    const bytes = encode(tensors);
    const truncated = bytes.subarray(0, cut % bytes.length);
    expect(parseAll(truncated)).toBeInstanceOf(SafetensorsError);
    const path = join(dir, 'truncated.safetensors');
    writeFileSync(path, truncated);
    expect(() => withSafetensors(path, (f) => f.names().map((n) => f.read(n)))).toThrow(SafetensorsError);
  });

  test.prop([storedTensors(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })])(
    'corrupted bytes either still parse or give a SafetensorsError, never another error or a hang',
    (tensors, flips) => {
      const bytes = encode(tensors).slice();
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      const result = parseAll(bytes);
      expect(result === 'ok' || result instanceof SafetensorsError).toBe(true);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 200 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })])(
    'random headers and lengths are rejected cleanly',
    (tail, header, declaredLength) => {
      const headerBytes = new TextEncoder().encode(header);
      const bytes = new Uint8Array(8 + headerBytes.length + tail.length);
      new DataView(bytes.buffer).setBigUint64(0, declaredLength, true);
      bytes.set(headerBytes, 8);
      bytes.set(tail, 8 + headerBytes.length);
      const result = parseAll(bytes);
      expect(result === 'ok' || result instanceof SafetensorsError).toBe(true);
    },
  );

  test.prop([storedTensors().filter((t) => t.some((s) => s.tensor.data.length > 0)), fc.nat(), fc.integer({ min: 1, max: 16 })])(
    'overlapping, out-of-range or holed data_offsets are rejected',
    (tensors, which, shift) => {
      const bytes = encode(tensors);
      const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
      const names = tensors.filter((t) => t.tensor.data.length > 0).map((t) => t.name);
      const entry = header[names[which % names.length]];
      entry.data_offsets = [entry.data_offsets[0] + shift, entry.data_offsets[1] + shift];
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + bytes.length - 8 - length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(bytes.subarray(8 + length), 8 + json.length);
      expect(parseAll(out)).toBeInstanceOf(SafetensorsError);
    },
  );

  test.prop([storedTensors(), fc.integer({ min: 1, max: 7 })])('unaligned data (header not padded to 8) reads the same values', (tensors, pad) => {
    const bytes = encode(tensors);
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const json = new TextDecoder().decode(bytes.subarray(8, 8 + length)).trimEnd() + ' '.repeat(pad);
    const headerBytes = new TextEncoder().encode(json);
    const out = new Uint8Array(8 + headerBytes.length + bytes.length - 8 - length);
    new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
    out.set(headerBytes, 8);
    out.set(bytes.subarray(8 + length), 8 + headerBytes.length);
    const aligned = SafetensorsFile.fromBytes(bytes);
    const unaligned = SafetensorsFile.fromBytes(out);
    for (const t of tensors) expect(Array.from(unaligned.read(t.name).data)).toEqual(Array.from(aligned.read(t.name).data));
  });

  plainTest("names and metadata keys that are Object.prototype's ('__proto__', 'constructor') round-trip", () => {
    const names = ['__proto__', 'constructor', 'hasOwnProperty'];
    const tensors = names.map((name, i) => ({ name, dtype: 'F64' as const, tensor: tensor([1], [i + 0.5]) }));
    const meta = Object.fromEntries([['__proto__', 'p'], ['constructor', 'c']]);
    const file = SafetensorsFile.fromBytes(encode(tensors, meta));
    expect(file.names().sort()).toEqual([...names].sort());
    for (const [i, name] of names.entries()) expect(Array.from(file.read(name).data)).toEqual([i + 0.5]);
    expect(Object.entries(file.metadata).sort()).toEqual([['__proto__', 'p'], ['constructor', 'c']]);
  });

  plainTest('a missing file names the file', () => {
    expect(() => SafetensorsFile.open(join(dir, 'missing.safetensors'))).toThrow(/^file: expected a readable safetensors file, got .*ENOENT/);
  });
});

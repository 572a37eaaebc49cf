import { writeFileSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { toContiguous } from '../tensor/tensor.js';
import { toBf16Bits, toFp16Bits } from '../tensor/precision.js';
import { DTYPE_BYTES } from './safetensors-header.js';

export type WritableDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64';

export interface NamedTensor {
  readonly tensor: Tensor;
  readonly dtype?: WritableDtype; // default F64
}

function encode(t: Tensor, dtype: WritableDtype): Uint8Array {
  const values = toContiguous(t).data;
  switch (dtype) {
    case 'F64': return new Uint8Array(Float64Array.from(values).buffer);
    case 'F32': return new Uint8Array(Float32Array.from(values).buffer);
    case 'F16': return new Uint8Array(Uint16Array.from(values, toFp16Bits).buffer);
    case 'BF16': return new Uint8Array(Uint16Array.from(values, toBf16Bits).buffer);
    case 'I64': return new Uint8Array(BigInt64Array.from(values, (v) => BigInt(Math.round(v))).buffer);
  }
}

/**
 * Serialises tensors in safetensors layout: the header padded with spaces to a multiple of 8
 * (as the Python writer does, so data stays aligned), tensors in the order given.
 */
export function encodeSafetensors(tensors: Record<string, NamedTensor>, metadata: Record<string, string> = {}): Uint8Array {
  // No prototype: a tensor named '__proto__' must become a key, not replace the prototype.
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, { tensor, dtype = 'F64' }] of Object.entries(tensors)) {
    const bytes = encode(tensor, dtype);
    if (bytes.length !== tensor.data.length * DTYPE_BYTES[dtype]) throw new Error(`internal: ${name} encoded to ${bytes.length} bytes`);
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf-8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

export function writeSafetensors(path: string, tensors: Record<string, NamedTensor>, metadata?: Record<string, string>): void {
  writeFileSync(path, encodeSafetensors(tensors, metadata));
}

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { InputError } from '../errors.js';
import { fromBf16Bits, fromFp16Bits } from '../tensor/precision.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import {
  parseHeader, parseHeaderLength, SafetensorsError,
  type SafetensorsDtype, type SafetensorsHeader, type TensorEntry,
} from './safetensors-header.js';

export { SafetensorsError, type SafetensorsDtype, type TensorEntry } from './safetensors-header.js';

if (endianness() !== 'LE') throw new Error('ssdcheck reads safetensors through typed arrays and needs a little-endian host');

/** Where tensor bytes come from: a whole file in memory, or an open file read on demand. */
interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

function memorySource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.slice(offset, offset + length) };
}

function fileSource(path: string, fd: number): ByteSource {
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const out = new Uint8Array(length); // fresh buffer: aligned for any typed-array view
      let done = 0;
      while (done < length) {
        const got = readSync(fd, out, done, length - done, offset + done);
        if (got === 0) throw new SafetensorsError(path, `${length} bytes at offset ${offset}`, `end of file after ${done} (file changed while reading?)`);
        done += got;
      }
      return out;
    },
  };
}

/** Converts stored little-endian bytes of any supported dtype to float64 values. */
export function decodeToFloat64(dtype: SafetensorsDtype, bytes: Uint8Array): Float64Array {
  const copy = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const buffer = copy.buffer;
  const offset = copy.byteOffset;
  const count = (size: number) => copy.byteLength / size;
  switch (dtype) {
    case 'F64': return new Float64Array(buffer.slice(offset, offset + copy.byteLength));
    case 'F32': return Float64Array.from(new Float32Array(buffer, offset, count(4)));
    case 'F16': return Float64Array.from(new Uint16Array(buffer, offset, count(2)), fromFp16Bits);
    case 'BF16': return Float64Array.from(new Uint16Array(buffer, offset, count(2)), fromBf16Bits);
    case 'I64': return Float64Array.from(new BigInt64Array(buffer, offset, count(8)), Number);
    case 'I32': return Float64Array.from(new Int32Array(buffer, offset, count(4)));
    case 'I16': return Float64Array.from(new Int16Array(buffer, offset, count(2)));
    case 'I8': return Float64Array.from(new Int8Array(buffer, offset, count(1)));
    case 'U8':
    case 'BOOL': return Float64Array.from(copy);
  }
}

/**
 * A validated safetensors file. The header is parsed when opened; tensors are read one at a
 * time, so a multi-gigabyte checkpoint is never held in memory whole.
 */
export class SafetensorsFile {
  private constructor(
    readonly source: string,
    private readonly bytes: ByteSource,
    private readonly header: SafetensorsHeader,
    private readonly onClose: () => void,
  ) {}

  static open(path: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new InputError('file', 'a readable safetensors file', `${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
      return SafetensorsFile.from(path, fileSource(path, fd), () => closeSync(fd));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  static fromBytes(bytes: Uint8Array, source = '<memory>'): SafetensorsFile {
    return SafetensorsFile.from(source, memorySource(bytes), () => {});
  }

  private static from(source: string, bytes: ByteSource, onClose: () => void): SafetensorsFile {
    const length = parseHeaderLength(source, bytes.read(0, Math.min(8, bytes.size)), bytes.size);
    const header = parseHeader(source, bytes.read(8, length), bytes.size);
    return new SafetensorsFile(source, bytes, header, onClose);
  }

  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  names(): string[] {
    return [...this.header.entries.keys()];
  }

  has(name: string): boolean {
    return this.header.entries.has(name);
  }

  entry(name: string): TensorEntry {
    const entry = this.header.entries.get(name);
    if (!entry) throw new SafetensorsError(`${this.source}: tensor`, `one of ${this.names().join(', ') || '(none)'}`, `'${name}'`);
    return entry;
  }

  /** The stored bytes of one tensor, little-endian as in the file. */
  readBytes(name: string): Uint8Array {
    const { begin, end } = this.entry(name);
    return this.bytes.read(this.header.dataStart + begin, end - begin);
  }

  /** One tensor converted to float64, whatever its stored dtype. */
  read(name: string): Tensor {
    const entry = this.entry(name);
    return tensor(entry.shape, decodeToFloat64(entry.dtype, this.readBytes(name)));
  }

  close(): void {
    this.onClose();
  }
}

/** Opens `path`, hands the file to `use`, and closes it whatever happens. */
export function withSafetensors<T>(path: string, use: (file: SafetensorsFile) => T): T {
  const file = SafetensorsFile.open(path);
  try {
    return use(file);
  } finally {
    file.close();
  }
}

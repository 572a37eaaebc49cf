import { InputError, formatShape } from '../errors.js';

/**
 * Parsing and validation of a safetensors header (8-byte little-endian length, JSON header,
 * then one data buffer). Everything a reader trusts is checked here: the header length, the
 * JSON, each dtype, shape and byte range, that ranges lie inside the buffer, do not overlap and
 * cover it without holes (as the format's own Rust reader requires).
 */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

// Must match SafetensorsDtype.
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export interface TensorEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** byte range inside the data buffer (after the header) */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly entries: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Readonly<Record<string, string>>;
  /** file offset of the data buffer */
  readonly dataStart: number;
}

/** Largest header accepted: real headers are kilobytes; this bounds memory on corrupt input. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export class SafetensorsError extends InputError {
  override name = 'SafetensorsError';
}

function fail(source: string, expected: string, actual: string): never {
  throw new SafetensorsError(source, expected, actual);
}

/** Reads the header length from the first 8 bytes and checks it against the file size. */
export function parseHeaderLength(source: string, prefix: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || prefix.length < 8) fail(source, 'a file of at least 8 bytes (safetensors header length)', `${fileSize} bytes`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = Number(view.getBigUint64(0, true));
  if (length < 2 || length > MAX_HEADER_BYTES) fail(source, `a header length in [2, ${MAX_HEADER_BYTES}]`, String(length));
  if (8 + length > fileSize) fail(source, `a file of at least ${8 + length} bytes (header length ${length})`, `${fileSize} bytes (truncated?)`);
  return length;
}

function parseEntry(source: string, name: string, raw: unknown, dataLength: number): TensorEntry {
  const where = `${source}: tensor '${name}'`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(where, 'an object with dtype, shape, data_offsets', JSON.stringify(raw));
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) fail(`${where} dtype`, `one of ${Object.keys(DTYPE_BYTES).join(', ')}`, JSON.stringify(dtype));
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) fail(`${where} shape`, 'an array of non-negative integers', JSON.stringify(shape));
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`${where} data_offsets`, '[begin, end] non-negative integers', JSON.stringify(offsets));
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) fail(`${where} data_offsets`, `0 <= begin <= end <= ${dataLength} (data buffer size)`, `[${begin}, ${end}]`);
  const bytes = (shape as number[]).reduce((n, s) => n * s, DTYPE_BYTES[dtype as SafetensorsDtype]);
  if (end - begin !== bytes) fail(`${where} data_offsets`, `${bytes} bytes for ${dtype} ${formatShape(shape as number[])}`, `${end - begin} bytes`);
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

function parseMetadata(source: string, raw: unknown): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${source}: __metadata__`, 'an object of strings', JSON.stringify(raw));
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') fail(`${source}: __metadata__.${key}`, 'a string', JSON.stringify(value));
  }
  return raw as Record<string, string>;
}

export function parseHeader(source: string, headerBytes: Uint8Array, fileSize: number): SafetensorsHeader {
  const dataStart = 8 + headerBytes.length;
  const dataLength = fileSize - dataStart;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    fail(`${source}: header`, 'UTF-8 JSON', `unparsable bytes (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(`${source}: header`, 'a JSON object', typeof json);
  let metadata: Record<string, string> = {};
  const entries = new Map<string, TensorEntry>();
  for (const [name, raw] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(source, raw);
    else entries.set(name, parseEntry(source, name, raw, dataLength));
  }
  const ordered = [...entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const entry of ordered) {
    if (entry.begin < covered) fail(`${source}: tensor '${entry.name}'`, `data starting at or after byte ${covered} (no overlap)`, `begin ${entry.begin}`);
    if (entry.begin > covered) fail(`${source}: tensor '${entry.name}'`, `data starting at byte ${covered} (no holes)`, `begin ${entry.begin}`);
    covered = entry.end;
  }
  if (covered !== dataLength) fail(`${source}: data buffer`, `${covered} bytes (as the header indexes)`, `${dataLength} bytes`);
  return { entries, metadata, dataStart };
}

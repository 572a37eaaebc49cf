import { InputError, formatShape } from '../errors.js';
import { toContiguous, type Tensor } from '../tensor/tensor.js';

/**
 * The SSD layer's inputs, shapes as in docs/semantics.md section 1:
 * x (b,l,h,p); dt raw (b,l,h); dtBias (h); A (h) negative, or ALog (h) with A = -exp(ALog);
 * B, C (b,l,g,n) with g | h; D (h); initialState (b,h,p,n).
 */
export interface SsdInputs {
  readonly x: Tensor;
  readonly dt: Tensor;
  readonly dtBias: Tensor;
  readonly A?: Tensor;
  readonly ALog?: Tensor;
  readonly B: Tensor;
  readonly C: Tensor;
  readonly D?: Tensor;
  /** clamp applied to softplus(dt + dtBias); default (0, Infinity) */
  readonly timeStepLimit?: readonly [number, number];
  readonly initialState?: Tensor;
  /** (b,l) 1 for real tokens, 0 for padding: padded steps get dt = 0 (identity steps) */
  readonly mask?: Tensor;
}

export interface SsdOutputs {
  /** (b,l,h,p) */
  readonly y: Tensor;
  /** (b,h,p,n) */
  readonly finalState: Tensor;
}

export interface SsdDims {
  readonly batch: number;
  readonly length: number;
  readonly heads: number;
  readonly headDim: number;
  readonly groups: number;
  readonly stateSize: number;
}

/** Validated, contiguous inputs with dt already discretised: what every form computes from. */
export interface PreparedSsd extends SsdDims {
  readonly x: Float64Array;
  /** (b,l,h) clamp(softplus(dt + dtBias), lo, hi), 0 at masked steps */
  readonly dt: Float64Array;
  /** (h) negative */
  readonly A: Float64Array;
  readonly B: Float64Array;
  readonly C: Float64Array;
  /** (h), zeros when absent */
  readonly D: Float64Array;
  /** (b,h,p,n), zeros when absent */
  readonly initialState: Float64Array;
}

/** torch's softplus with its default threshold: linear above 20, where log1p(exp(v)) == v in float64 anyway. */
export function softplus(v: number): number {
  return v > 20 ? v : Math.log1p(Math.exp(v));
}

export function discretiseDt(raw: number, bias: number, lo: number, hi: number): number {
  return Math.min(Math.max(softplus(raw + bias), lo), hi);
}

/** Head i reads group floor(i / (h/g)): contiguous blocks, never tiling (transformers #37533). */
export function groupOfHead(head: number, heads: number, groups: number): number {
  return Math.floor(head / (heads / groups));
}

export function expectShape(argument: string, t: Tensor | undefined, expected: readonly number[], names: string): Tensor {
  if (t === undefined) throw new InputError(argument, `a tensor of shape ${names} = ${formatShape(expected)}`, 'nothing');
  const ok = t.shape.length === expected.length && t.shape.every((size, axis) => size === expected[axis]);
  if (!ok) throw new InputError(argument, `shape ${names} = ${formatShape(expected)}`, formatShape(t.shape));
  return toContiguous(t);
}

export function expectFinite(argument: string, data: Float64Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new InputError(argument, 'finite values', `${data[i]} at flat index ${i}`);
  }
}

export function validateLimit(limit: readonly [number, number] | undefined): readonly [number, number] {
  if (limit === undefined) return [0, Infinity];
  const [lo, hi] = limit;
  if (!(lo >= 0) || !(hi >= lo) || Number.isNaN(hi)) {
    throw new InputError('timeStepLimit', '0 <= lo <= hi (hi may be Infinity)', `(${lo}, ${hi})`);
  }
  return [lo, hi];
}

export function negativeA(A: Tensor | undefined, ALog: Tensor | undefined, heads: number): Float64Array {
  if ((A === undefined) === (ALog === undefined)) throw new InputError('A / ALog', 'exactly one of them', A ? 'both' : 'neither');
  if (A !== undefined) {
    const values = expectShape('A', A, [heads], '(h)').data;
    expectFinite('A', values);
    values.forEach((a, head) => {
      if (!(a < 0)) throw new InputError('A', 'negative values (A = -exp(A_log))', `${a} at head ${head}`);
    });
    return values;
  }
  const logs = expectShape('ALog', ALog, [heads], '(h)').data;
  expectFinite('ALog', logs);
  return logs.map((v) => -Math.exp(v));
}

function readDims(inputs: SsdInputs): SsdDims {
  const { x, B } = inputs;
  if (x.shape.length !== 4) throw new InputError('x', 'a 4-d tensor (b, l, h, p)', formatShape(x.shape));
  if (B.shape.length !== 4) throw new InputError('B', 'a 4-d tensor (b, l, g, n)', formatShape(B.shape));
  const [batch, length, heads, headDim] = x.shape;
  const [, , groups, stateSize] = B.shape;
  if (batch < 1 || heads < 1 || headDim < 1) throw new InputError('x', 'b, h, p >= 1', formatShape(x.shape));
  if (groups < 1 || stateSize < 1) throw new InputError('B', 'g, n >= 1', formatShape(B.shape));
  if (heads % groups !== 0) throw new InputError('B', `a group count g dividing h = ${heads}`, `g = ${groups}`);
  return { batch, length, heads, headDim, groups, stateSize };
}

/** Checks every input and discretises dt; throws InputError naming the first bad argument. */
export function prepareSsd(inputs: SsdInputs): PreparedSsd {
  const dims = readDims(inputs);
  const { batch: b, length: l, heads: h, headDim: p, groups: g, stateSize: n } = dims;
  const x = expectShape('x', inputs.x, [b, l, h, p], '(b, l, h, p)').data;
  const dtRaw = expectShape('dt', inputs.dt, [b, l, h], '(b, l, h)').data;
  const dtBias = expectShape('dtBias', inputs.dtBias, [h], '(h)').data;
  const B = expectShape('B', inputs.B, [b, l, g, n], '(b, l, g, n)').data;
  const C = expectShape('C', inputs.C, [b, l, g, n], '(b, l, g, n)').data;
  const D = inputs.D === undefined ? new Float64Array(h) : expectShape('D', inputs.D, [h], '(h)').data;
  const initialState = inputs.initialState === undefined
    ? new Float64Array(b * h * p * n)
    : expectShape('initialState', inputs.initialState, [b, h, p, n], '(b, h, p, n)').data;
  const mask = inputs.mask === undefined ? undefined : expectShape('mask', inputs.mask, [b, l], '(b, l)').data;
  const named: [string, Float64Array][] = [['x', x], ['dt', dtRaw], ['dtBias', dtBias], ['B', B], ['C', C], ['D', D], ['initialState', initialState]];
  for (const [name, data] of named) expectFinite(name, data);
  mask?.forEach((m, i) => {
    if (m !== 0 && m !== 1) throw new InputError('mask', 'values 0 or 1', `${m} at flat index ${i}`);
  });
  const A = negativeA(inputs.A, inputs.ALog, h);
  const [lo, hi] = validateLimit(inputs.timeStepLimit);
  const dt = new Float64Array(b * l * h); // (b, l, h)
  for (let bt = 0; bt < b * l; bt++) {
    for (let head = 0; head < h; head++) {
      dt[bt * h + head] = mask && mask[bt] === 0 ? 0 : discretiseDt(dtRaw[bt * h + head], dtBias[head], lo, hi);
    }
  }
  return { ...dims, x, dt, A, B, C, D, initialState };
}

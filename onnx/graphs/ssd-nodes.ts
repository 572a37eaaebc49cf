import type { GraphBuilder, Value } from '../graph/builder.js';

/** Sizes fixed when a graph is built; batch and sequence length stay symbolic. */
export interface SsdGraphDims {
  readonly heads: number;
  readonly headDim: number;
  readonly groups: number;
  readonly stateSize: number;
}

/**
 * The SSD's float32 inputs inside a graph (dt already discretised):
 * x (b,l,h,p), dt (b,l,h), A (h), B, C (b,l,g,n), D (h), initialState (b,h,p,n).
 */
export interface SsdValues {
  readonly x: Value;
  readonly dt: Value;
  readonly A: Value;
  readonly B: Value;
  readonly C: Value;
  readonly D: Value;
  readonly initialState: Value;
}

/** dt = clamp(softplus(raw + bias), lo, hi), torch's softplus: linear above 20. */
export function discretiseDt(g: GraphBuilder, raw: Value, bias: Value, lo: Value, hi: Value): Value {
  return g.scope('dt', () => {
    const v = g.op('Add', [raw, bias]);
    const soft = g.op('Where', [g.op('Greater', [v, g.scalar(20)]), v, g.op('Softplus', [v])], {}, 'softplus');
    return g.op('Clip', [soft, lo, hi], {}, 'time_step_limit');
  });
}

/**
 * Zero padding of one axis, written with pads for every axis: onnxruntime's transpose
 * optimiser (run for the webgpu provider's layout) permutes Pad's pads as if they covered all
 * axes and breaks the opset-18 form with an `axes` input.
 */
function padAxis(g: GraphBuilder, t: Value, rank: number, axis: number, before: number | Value, after: number | Value): Value {
  const piece = (v: number | Value) => (typeof v === 'number' ? g.ints([v]) : v);
  const zeros = (count: number) => (count > 0 ? [g.ints(new Array<number>(count).fill(0))] : []);
  const pads = g.op('Concat', [...zeros(axis), piece(before), ...zeros(rank - 1), piece(after), ...zeros(rank - 1 - axis)], { axis: 0 }, 'pads');
  return g.op('Pad', [t, pads, g.scalar(0)], {}, 'pad');
}

/** (..., l) -> (..., l, l) lower-triangular (diagonal included) 0/1 mask of a dynamic size. */
function lowerMask(g: GraphBuilder, size: Value, diagonal: number): Value {
  const square = g.op('Concat', [size, size], { axis: 0 });
  const ones = g.filled(square, 1, 'ones');
  return g.op('Trilu', [ones, g.scalar(diagonal, 'int64')], { upper: 0 });
}

/**
 * exp of segment sums summed directly (HF's segment_sum): decay[i, j] = exp(sum_{j < r <= i}
 * z_r) for j <= i, else 0; z (b, h, m) -> (b, h, m, m), m = count. Not differences of one
 * cumulative sum: over a whole sequence those are differences of large float32 sums and lose
 * the small ones (the quadratic form's final state was 1.1e-5 off float64 at 39 steps, seed
 * 1134987960, where the fp32 property allows 1e-5).
 */
function segmentDecay(g: GraphBuilder, z: Value, count: Value): Value {
  const expanded = g.op('Mul', [g.op('Unsqueeze', [z, g.ints([-1])]), lowerMask(g, count, -1)]); // (b, h, m, m): z_i where i > j
  const segments = g.op('CumSum', [expanded, g.scalar(2, 'int64')], {}, 'segment_sums');
  return g.op('Mul', [g.op('Exp', [segments]), lowerMask(g, count, 0)], {}, 'segment_decay');
}

/** exp(min(a_i - a_j, 0)) masked to j <= i: (..., q) -> (..., q, q). The clamp keeps exp <= 1. */
function decayMatrix(g: GraphBuilder, cumsum: Value, mask: Value): Value {
  const diff = g.op('Sub', [g.op('Unsqueeze', [cumsum, g.ints([-1])]), g.op('Unsqueeze', [cumsum, g.ints([-2])])]);
  return g.op('Mul', [g.op('Exp', [g.op('Min', [diff, g.scalar(0)])]), mask], {}, 'L');
}

/**
 * The chunked SSD (reference/ssd/chunked.ts) as parallel tensor ops for a fixed chunk size q:
 * the sequence is padded to a multiple of q with identity steps (dt = 0), then
 *   1. intra-chunk: (L o C B^T)(dt x) per chunk,     2. chunk states from zero,
 *   3. state passing: a (c+1) x (c+1) decay matrix from exact masked segment sums (HF's
 *      segment_sum) applied to [S0, states], no loop over chunks,
 *   4. state to output: exp(cumsum) C S_start.
 * Returns y (b,l,h,p) and the final state (b,h,p,n), float32.
 */
export function ssdChunkedNodes(g: GraphBuilder, v: SsdValues, dims: SsdGraphDims, chunkSize: number): { y: Value; finalState: Value } {
  const { heads: h, headDim: p, groups: gr, stateSize: n } = dims;
  const k = h / gr;
  const q = chunkSize;
  return g.scope('ssd_chunked', () => {
    const length = g.op('Slice', [g.op('Shape', [v.x]), g.ints([1]), g.ints([2])], {}, 'length'); // (1)
    const qValue = g.ints([q]);
    const padLength = g.op('Mod', [g.op('Sub', [qValue, g.op('Mod', [length, qValue])]), qValue], {}, 'pad_length');
    const chunks = (t: Value, inner: number[]) => g.op('Reshape', [padAxis(g, t, 2 + inner.length, 1, 0, padLength), g.ints([0, -1, q, ...inner])], {}, 'to_chunks');
    const x = chunks(v.x, [h, p]); // (b, c, q, h, p)
    const dt = chunks(v.dt, [h]); // (b, c, q, h); padded steps have dt = 0: identity steps
    const B = chunks(v.B, [gr, n]); // (b, c, q, g, n)
    const C = chunks(v.C, [gr, n]);
    const cumsum = g.op('CumSum', [g.op('Mul', [dt, v.A]), g.scalar(2, 'int64')], {}, 'dA_cumsum'); // (b, c, q, h)
    const cumsumT = g.op('Transpose', [cumsum], { perm: [0, 1, 3, 2] }); // (b, c, h, q)
    const dtx = g.op('Reshape', [g.op('Mul', [x, g.op('Unsqueeze', [dt, g.ints([-1])])]), g.ints([0, 0, q, gr, k, p])], {}, 'dt_x'); // (b, c, q, g, k, p)

    const yDiag = g.scope('1_intra_chunk', () => {
      const L = g.op('Reshape', [decayMatrix(g, cumsumT, g.constant('float32', [q, q], lowerTriangle(q), 'tril')), g.ints([0, 0, gr, k, q, q])]); // (b, c, g, k, q, q)
      const scores = g.op('Einsum', [C, B], { equation: 'bcign,bcjgn->bcgij' }, 'C_Bt'); // (b, c, g, q, q)
      const M = g.op('Mul', [L, g.op('Unsqueeze', [scores, g.ints([3])])]);
      return g.op('Einsum', [M, dtx], { equation: 'bcgkij,bcjgkp->bcigkp' }, 'y_diag'); // (b, c, q, g, k, p)
    });
    const states = g.scope('2_chunk_states', () => {
      const last = g.op('Slice', [cumsumT, g.ints([q - 1]), g.ints([q]), g.ints([3])]); // (b, c, h, 1)
      const decay = g.op('Exp', [g.op('Min', [g.op('Sub', [last, cumsumT]), g.scalar(0)])]); // (b, c, h, q)
      const decay5 = g.op('Reshape', [decay, g.ints([0, 0, gr, k, q])]);
      const s = g.op('Einsum', [decay5, dtx, B], { equation: 'bcgkj,bcjgkp,bcjgn->bcgkpn' }, 'states');
      return { states: g.op('Reshape', [s, g.ints([0, 0, h, p, n])]), chunkDecay: g.op('Squeeze', [last, g.ints([3])]) }; // (b, c, h, p, n), (b, c, h)
    });
    const passed = g.scope('3_state_passing', () => {
      // z = [0, d_0, .., d_{c-1}] per head; decay[i, j] = exp(sum_{j < r <= i} z_r), summed directly.
      const z = padAxis(g, g.op('Transpose', [states.chunkDecay], { perm: [0, 2, 1] }), 3, 2, 1, 0); // (b, h, c+1)
      const count = g.op('Slice', [g.op('Shape', [z]), g.ints([2]), g.ints([3])]);
      const decay = segmentDecay(g, z, count); // (b, h, c+1, c+1)
      const all = g.op('Concat', [g.op('Unsqueeze', [v.initialState, g.ints([1])]), states.states], { axis: 1 }); // (b, c+1, h, p, n)
      const next = g.op('Einsum', [decay, all], { equation: 'bhij,bjhpn->bihpn' }, 'states_at_boundaries'); // (b, c+1, h, p, n)
      const chunkCount = g.op('Sub', [count, g.ints([1])]);
      return {
        starts: g.op('Slice', [next, g.ints([0]), chunkCount, g.ints([1])], {}, 'chunk_start_states'), // (b, c, h, p, n)
        // Slice + Squeeze, not Gather at -1: the webgpu provider mis-indexes negative Gather indices.
        final: g.op('Squeeze', [g.op('Slice', [next, chunkCount, count, g.ints([1])]), g.ints([1])], {}, 'final_state'), // (b, h, p, n)
      };
    });
    const yOff = g.scope('4_state_to_output', () => {
      const starts = g.op('Reshape', [passed.starts, g.ints([0, 0, gr, k, p, n])]);
      const fromState = g.op('Einsum', [C, starts], { equation: 'bcign,bcgkpn->bcigkp' });
      const decay = g.op('Unsqueeze', [g.op('Exp', [g.op('Reshape', [cumsum, g.ints([0, 0, q, gr, k])])]), g.ints([-1])]);
      return g.op('Mul', [fromState, decay], {}, 'y_off'); // (b, c, q, g, k, p)
    });
    const yPadded = g.op('Reshape', [g.op('Add', [yDiag, yOff]), g.ints([0, -1, h, p])]); // (b, L', h, p)
    const y = g.op('Slice', [yPadded, g.ints([0]), length, g.ints([1])], {}, 'unpad');
    const skip = g.op('Mul', [v.x, g.op('Unsqueeze', [v.D, g.ints([-1])])], {}, 'D_skip');
    return { y: g.op('Add', [y, skip], {}, 'y'), finalState: passed.final };
  });
}

/**
 * The quadratic (dual) form over the whole sequence, a second graph that shares no stage with
 * the chunked one: y = (L o C B^T)(dt x) + exp(cumsum) C S0 + D x.
 */
export function ssdQuadraticNodes(g: GraphBuilder, v: SsdValues, dims: SsdGraphDims): { y: Value; finalState: Value } {
  const { heads: h, headDim: p, groups: gr, stateSize: n } = dims;
  const k = h / gr;
  return g.scope('ssd_quadratic', () => {
    const length = g.op('Slice', [g.op('Shape', [v.x]), g.ints([1]), g.ints([2])], {}, 'length');
    const dA = g.op('Mul', [v.dt, v.A]); // (b, l, h)
    const cumsum = g.op('CumSum', [dA, g.scalar(1, 'int64')], {}, 'dA_cumsum'); // (b, l, h)
    const cumsumT = g.op('Transpose', [cumsum], { perm: [0, 2, 1] }); // (b, h, l)
    const decay = segmentDecay(g, g.op('Transpose', [dA], { perm: [0, 2, 1] }), length); // (b, h, l, l)
    const L = g.op('Reshape', [decay, g.op('Concat', [g.ints([0, gr, k]), length, length], { axis: 0 })]); // (b, g, k, l, l)
    const scores = g.op('Einsum', [v.C, v.B], { equation: 'bign,bjgn->bgij' }, 'C_Bt'); // (b, g, l, l)
    const dtx = g.op('Reshape', [g.op('Mul', [v.x, g.op('Unsqueeze', [v.dt, g.ints([-1])])]), g.ints([0, 0, gr, k, p])], {}, 'dt_x'); // (b, l, g, k, p)
    const M = g.op('Mul', [L, g.op('Unsqueeze', [scores, g.ints([2])])]);
    const yDual = g.op('Einsum', [M, dtx], { equation: 'bgkij,bjgkp->bigkp' }, 'y_dual'); // (b, l, g, k, p)
    const S0 = g.op('Reshape', [v.initialState, g.ints([0, gr, k, p, n])]); // (b, g, k, p, n)
    const fromState = g.op('Einsum', [v.C, S0], { equation: 'bign,bgkpn->bigkp' });
    const decayFromStart = g.op('Unsqueeze', [g.op('Exp', [g.op('Reshape', [cumsum, g.ints([0, 0, gr, k])])]), g.ints([-1])]); // (b, l, g, k, 1)
    const y = g.op('Reshape', [g.op('Add', [yDual, g.op('Mul', [fromState, decayFromStart])]), g.ints([0, 0, h, p])]);
    const skip = g.op('Mul', [v.x, g.op('Unsqueeze', [v.D, g.ints([-1])])], {}, 'D_skip');
    // Final state: the last row of L applied to dt x B^T, plus the decayed S0.
    const lastStep = g.op('Sub', [length, g.ints([1])]);
    const last = g.op('Squeeze', [g.op('Slice', [cumsumT, lastStep, length, g.ints([2])]), g.ints([2])]); // (b, h)
    const toEnd = g.op('Squeeze', [g.op('Slice', [decay, lastStep, length, g.ints([2])]), g.ints([2])]); // (b, h, l)
    const added = g.op('Einsum', [g.op('Reshape', [toEnd, g.ints([0, gr, k, -1])]), dtx, v.B], { equation: 'bgkj,bjgkp,bjgn->bgkpn' });
    const decayedS0 = g.op('Mul', [S0, g.op('Reshape', [g.op('Exp', [last]), g.ints([0, gr, k, 1, 1])])]);
    const finalState = g.op('Reshape', [g.op('Add', [added, decayedS0]), g.ints([0, h, p, n])], {}, 'final_state');
    return { y: g.op('Add', [y, skip], {}, 'y'), finalState };
  });
}

function lowerTriangle(q: number): Float32Array {
  const mask = new Float32Array(q * q);
  for (let i = 0; i < q; i++) for (let j = 0; j <= i; j++) mask[i * q + j] = 1;
  return mask;
}

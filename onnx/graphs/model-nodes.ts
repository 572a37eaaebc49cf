import type { Mamba2Config, ModelDims } from '../../reference/model/config.js';
import type { Behaviour } from '../../reference/model/semantics.js';
import type { LayerWeights } from '../../reference/model/weights.js';
import type { GraphBuilder, Value } from '../graph/builder.js';
import { discretiseDt, ssdChunkedNodes } from './ssd-nodes.js';
import type { WeightWriter } from './weights.js';

/** What every layer of a model graph shares: the builder, weights, config, behaviour. */
export interface ModelContext {
  readonly g: GraphBuilder;
  readonly weights: WeightWriter;
  readonly config: Mamba2Config;
  readonly dims: ModelDims;
  readonly behaviour: Behaviour;
  readonly chunkSize: number;
}

/** v / sqrt(mean(v^2) over the last axis + eps) * weight. */
export function rmsNorm(c: ModelContext, v: Value, weight: Value): Value {
  const { g } = c;
  const meanSquare = g.op('ReduceMean', [g.op('Mul', [v, v]), g.ints([-1])], { keepdims: 1 });
  const scale = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [meanSquare, g.scalar(c.config.layer_norm_epsilon)])])]);
  return g.op('Mul', [g.op('Mul', [v, scale]), weight], {}, 'rms_norm');
}

export function silu(g: GraphBuilder, v: Value): Value {
  return g.op('Mul', [v, g.op('Sigmoid', [v])], {}, 'silu');
}

/** Columns [from, from + width) of the last axis. */
function lastAxisSlice(g: GraphBuilder, v: Value, from: number, width: number, label: string): Value {
  return g.op('Slice', [v, g.ints([from]), g.ints([from + width]), g.ints([-1])], {}, label);
}

/** in_proj, split into z (I), xBC (conv channels), dt (h); shapes (..., width). */
function project(c: ModelContext, prefix: string, w: LayerWeights, hidden: Value) {
  const { g, dims: m } = c;
  let projected = g.op('MatMul', [hidden, c.weights.add(`${prefix}.in_proj.weight`, w.inProj, true)], {}, 'in_proj');
  if (w.inProjBias) projected = g.op('Add', [projected, c.weights.add(`${prefix}.in_proj.bias`, w.inProjBias)]);
  projected = c.weights.activation(projected);
  return {
    z: lastAxisSlice(g, projected, 0, m.inner, 'z'),
    xBC: lastAxisSlice(g, projected, m.inner, m.convChannels, 'xBC'),
    dtRaw: lastAxisSlice(g, projected, m.inner + m.convChannels, m.heads, 'dt_raw'),
  };
}

/** Gated RMSNorm (gate first), group-wise or whole-width, then out_proj. y and z: (b, l, I). */
function gateNormOut(c: ModelContext, prefix: string, w: LayerWeights, y: Value, z: Value): Value {
  const { g, dims: m } = c;
  const groups = c.behaviour.gatedNorm === 'whole' ? 1 : m.groups;
  const gated = g.op('Mul', [y, silu(g, z)], {}, 'gate');
  const grouped = g.op('Reshape', [gated, g.ints([0, 0, groups, m.inner / groups])]);
  const normed = g.op('Reshape', [rmsNorm(c, grouped, g.op('Reshape', [c.weights.add(`${prefix}.norm.weight`, w.gateNorm), g.ints([groups, m.inner / groups])])), g.ints([0, 0, m.inner])]);
  let out = g.op('MatMul', [c.weights.activation(normed), c.weights.add(`${prefix}.out_proj.weight`, w.outProj, true)], {}, 'out_proj');
  if (w.outProjBias) out = g.op('Add', [out, c.weights.add(`${prefix}.out_proj.bias`, w.outProjBias)]);
  return c.weights.activation(out);
}

/** dt_bias, A = -exp(A_log), D, and the dt clamp's bounds ((0, inf) when `clamp` is false). */
function dtParameters(c: ModelContext, prefix: string, w: LayerWeights, clamp = true) {
  const { g } = c;
  const [lo, hi] = clamp ? c.config.time_step_limit : [0, Infinity];
  return {
    bias: c.weights.add(`${prefix}.dt_bias`, w.dtBias),
    A: g.op('Neg', [g.op('Exp', [c.weights.add(`${prefix}.A_log`, w.ALog)])], {}, 'A'),
    D: c.weights.add(`${prefix}.D`, w.D),
    lo: g.scalar(lo),
    hi: g.scalar(hi),
  };
}

/** The depthwise conv of K taps over xpad (b, K-1+l, C) -> (b, l, C), with bias, before SiLU. */
function depthwiseConv(c: ModelContext, prefix: string, w: LayerWeights, xpad: Value): Value {
  const { g } = c;
  const inputs = [g.op('Transpose', [xpad], { perm: [0, 2, 1] }), c.weights.add(`${prefix}.conv1d.weight`, w.convWeight)];
  if (w.convBias) inputs.push(c.weights.add(`${prefix}.conv1d.bias`, w.convBias));
  const out = g.op('Conv', inputs, { group: c.dims.convChannels, kernel_shape: [c.dims.kernel] }, 'conv1d');
  return g.op('Transpose', [out], { perm: [0, 2, 1] });
}

/** Per-batch masks shared by all layers of a prefill graph. */
export interface PrefillMasks {
  /** (b, l, 1) float 0/1 */
  readonly mask: Value;
  /** (b, l) int64 0/1 */
  readonly maskInt: Value;
  /** (b, l, 1): HF's mask where batch > 1 and length > 1, ones otherwise */
  readonly hfMask: Value;
  /** (b, 1, 1) int64 real tokens per row */
  readonly count: Value;
  /** (b, l, 1) int64: the compacted position of each real token, 0 for padding */
  readonly rank: Value;
  /** (b, l, 1) int64: where each position goes when compacting: its rank, or l for padding */
  readonly target: Value;
  /** (1) int64 sequence length */
  readonly length: Value;
}

export function prefillMasks(g: GraphBuilder, attentionMask: Value): PrefillMasks {
  return g.scope('masks', () => {
    const shape = g.op('Shape', [attentionMask]);
    const batch = g.op('Slice', [shape, g.ints([0]), g.ints([1])]);
    const length = g.op('Slice', [shape, g.ints([1]), g.ints([2])]);
    const maskInt3 = g.op('Unsqueeze', [attentionMask, g.ints([-1])]); // (b, l, 1)
    const mask = g.op('Cast', [maskInt3], { to: 1 });
    // HF applies the mask only when batch > 1 and length > 1 (apply_mask_to_padding_states).
    const both = g.op('And', [g.op('Greater', [batch, g.ints([1])]), g.op('Greater', [length, g.ints([1])])]);
    const hfMask = g.op('Where', [both, mask, g.op('Expand', [g.scalar(1), g.op('Shape', [mask])])], {}, 'hf_mask');
    const rank = g.op('Sub', [g.op('CumSum', [maskInt3, g.scalar(1, 'int64')]), g.ints([1])]);
    const isReal = g.op('Equal', [maskInt3, g.ints([1])]);
    return {
      mask, maskInt: attentionMask, hfMask, length,
      count: g.op('ReduceSum', [maskInt3, g.ints([1])], { keepdims: 1 }, 'real_tokens'),
      rank: g.op('Where', [isReal, rank, g.ints([0])], {}, 'rank'),
      target: g.op('Where', [isReal, rank, g.op('Reshape', [length, g.ints([1, 1, 1])])], {}, 'compact_target'),
    };
  });
}

/**
 * The conv over a prompt (prefill, zero tail), as the reference does it:
 * - identity padding: real tokens are compacted to the front of each row (ScatterElements),
 *   convolved there, and gathered back, so padding anywhere neither enters a window nor the
 *   tail; the tail is the row's last K-1 real inputs;
 * - HF: a plain causal conv over every position; the tail is the last K-1 positions.
 * Returns the SiLU'd output (b, l, C) (0 at padded positions with identity padding) and the
 * tail (b, K-1, C).
 */
function prefillConv(c: ModelContext, prefix: string, w: LayerWeights, xBC: Value, masks: PrefillMasks): { out: Value; tail: Value } {
  const { g, dims: m } = c;
  const K = m.kernel;
  const tail0 = g.filled(g.op('Concat', [g.op('Slice', [g.op('Shape', [xBC]), g.ints([0]), g.ints([1])]), g.ints([K - 1, m.convChannels])], { axis: 0 }), 0, 'zero_tail');
  if (c.behaviour.padding === 'hf') {
    const xpad = g.op('Concat', [tail0, xBC], { axis: 1 });
    const out = silu(g, depthwiseConv(c, prefix, w, xpad));
    return { out, tail: g.op('Slice', [xpad, g.ints([-(K - 1)]), g.ints([2 ** 62]), g.ints([1])], {}, 'conv_tail') };
  }
  const fullShape = g.op('Shape', [xBC]); // (3): b, l, C
  const slots = g.filled(g.op('Add', [fullShape, g.ints([0, 1, 0])]), 0, 'slots'); // (b, l+1, C): slot l takes the padding
  const scattered = g.op('ScatterElements', [slots, g.op('Expand', [masks.target, fullShape]), xBC], { axis: 1 }, 'compact');
  const compacted = g.op('Slice', [scattered, g.ints([0]), masks.length, g.ints([1])]); // (b, l, C): real inputs first
  const xpad = g.op('Concat', [tail0, compacted], { axis: 1 }); // (b, K-1+l, C)
  const convolved = silu(g, depthwiseConv(c, prefix, w, xpad));
  const back = g.op('GatherElements', [convolved, g.op('Expand', [masks.rank, fullShape])], { axis: 1 }, 'uncompact');
  // The tail: xpad[count + j] for j < K-1, i.e. the last K-1 of (zeros, real inputs).
  const tailIndex = g.op('Add', [masks.count, g.constant('int64', [1, K - 1, 1], BigInt64Array.from({ length: K - 1 }, (_, j) => BigInt(j)))]); // (b, K-1, 1)
  const tailShape = g.op('Concat', [g.op('Slice', [fullShape, g.ints([0]), g.ints([1])]), g.ints([K - 1, m.convChannels])], { axis: 0 });
  return { out: g.op('Mul', [back, masks.mask]), tail: g.op('GatherElements', [xpad, g.op('Expand', [tailIndex, tailShape])], { axis: 1 }, 'conv_tail') };
}

/** One mixer over a prompt from zero state: (b, l, d) -> (b, l, d), plus its cache. */
export function prefillMixer(c: ModelContext, layer: number, w: LayerWeights, hidden: Value, masks: PrefillMasks): { out: Value; tail: Value; state: Value } {
  const { g, dims: m } = c;
  const prefix = `backbone.layers.${layer}.mixer`;
  return g.scope('mixer', () => {
    const hf = c.behaviour.padding === 'hf';
    const input = hf ? g.op('Mul', [hidden, masks.hfMask], {}, 'hf_mask_input') : hidden;
    const { z, xBC, dtRaw } = project(c, prefix, w, input);
    const conv = prefillConv(c, prefix, w, xBC, masks);
    const activated = c.weights.activation(hf ? g.op('Mul', [conv.out, masks.hfMask], {}, 'hf_mask_conv') : conv.out);
    const gn = m.groups * m.stateSize;
    const p = dtParameters(c, prefix, w);
    let dt = discretiseDt(g, dtRaw, p.bias, p.lo, p.hi);
    if (!hf) dt = g.op('Mul', [dt, masks.mask], {}, 'identity_steps'); // dt = 0 at padding
    const batch = g.op('Slice', [g.op('Shape', [hidden]), g.ints([0]), g.ints([1])]);
    const initialState = g.filled(g.op('Concat', [batch, g.ints([m.heads, m.headDim, m.stateSize])], { axis: 0 }), 0, 'zero_state');
    const ssd = ssdChunkedNodes(g, {
      x: g.op('Reshape', [lastAxisSlice(g, activated, 0, m.inner, 'x'), g.ints([0, 0, m.heads, m.headDim])]),
      B: g.op('Reshape', [lastAxisSlice(g, activated, m.inner, gn, 'B'), g.ints([0, 0, m.groups, m.stateSize])]),
      C: g.op('Reshape', [lastAxisSlice(g, activated, m.inner + gn, gn, 'C'), g.ints([0, 0, m.groups, m.stateSize])]),
      dt, A: p.A, D: p.D, initialState,
    }, { heads: m.heads, headDim: m.headDim, groups: m.groups, stateSize: m.stateSize }, c.chunkSize);
    const y = c.weights.activation(g.op('Reshape', [ssd.y, g.ints([0, 0, m.inner])]));
    return { out: gateNormOut(c, prefix, w, y, z), tail: conv.tail, state: ssd.finalState };
  });
}

/**
 * One mixer for one new token from its cache (the decode step): conv from the tail, one
 * recurrent step (dt clamped unless HF behaviour), gated norm. hidden (b, 1, d).
 */
export function stepMixer(c: ModelContext, layer: number, w: LayerWeights, hidden: Value, pastTail: Value, pastState: Value): { out: Value; tail: Value; state: Value } {
  const { g, dims: m } = c;
  const prefix = `backbone.layers.${layer}.mixer`;
  const k = m.heads / m.groups;
  return g.scope('mixer', () => {
    const { z, xBC, dtRaw } = project(c, prefix, w, hidden);
    const window = g.op('Concat', [pastTail, xBC], { axis: 1 }); // (b, K, C)
    const activated = c.weights.activation(silu(g, depthwiseConv(c, prefix, w, window))); // (b, 1, C)
    const tail = g.op('Slice', [window, g.ints([1]), g.ints([m.kernel]), g.ints([1])], {}, 'conv_tail');
    const gn = m.groups * m.stateSize;
    const p = dtParameters(c, prefix, w, c.behaviour.decodeStepClamp);
    const dt = g.op('Reshape', [discretiseDt(g, dtRaw, p.bias, p.lo, p.hi), g.ints([0, m.groups, k, 1, 1])]); // (b, g, k, 1, 1)
    const x = g.op('Reshape', [lastAxisSlice(g, activated, 0, m.inner, 'x'), g.ints([0, m.groups, k, m.headDim])]); // (b, g, k, p)
    const B = g.op('Reshape', [lastAxisSlice(g, activated, m.inner, gn, 'B'), g.ints([0, m.groups, m.stateSize])]); // (b, g, n)
    const C = g.op('Reshape', [lastAxisSlice(g, activated, m.inner + gn, gn, 'C'), g.ints([0, m.groups, m.stateSize])]);
    const decay = g.op('Exp', [g.op('Mul', [dt, g.op('Reshape', [p.A, g.ints([m.groups, k, 1, 1])])])]);
    const state = g.op('Reshape', [pastState, g.ints([0, m.groups, k, m.headDim, m.stateSize])]);
    const added = g.op('Mul', [g.op('Einsum', [x, B], { equation: 'bgkp,bgn->bgkpn' }), dt]);
    const next = g.op('Add', [g.op('Mul', [state, decay]), added], {}, 'state_update'); // (b, g, k, p, n)
    const y = g.op('Add', [g.op('Einsum', [next, C], { equation: 'bgkpn,bgn->bgkp' }), g.op('Mul', [x, g.op('Reshape', [p.D, g.ints([m.groups, k, 1])])])]);
    const yFlat = c.weights.activation(g.op('Reshape', [y, g.ints([0, 1, m.inner])]));
    return { out: gateNormOut(c, prefix, w, yFlat, z), tail, state: g.op('Reshape', [next, g.ints([0, m.heads, m.headDim, m.stateSize])]) };
  });
}

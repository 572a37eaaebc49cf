import { ssdChunked, ssdQuadratic, ssdRecurrent, type SsdInputs } from '../ssd/index.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import type { Mamba2Config, ModelDims } from './config.js';
import { causalConv } from './conv.js';
import { columns, linear, maskRows, rmsNorm, silu } from './ops.js';
import type { ResolvedOptions } from './semantics.js';
import type { LayerWeights } from './weights.js';

/** One layer's cache: what a continuation needs from the tokens already seen. */
export interface LayerCache {
  /** (b, K-1, C) the last K-1 raw xBC inputs of the conv */
  readonly convTail: Tensor;
  /** (b, h, p, n) SSM state; float64 here (the spec asks for fp32 or wider) */
  readonly state: Tensor;
}

export interface MixerCall {
  readonly config: Mamba2Config;
  readonly dims: ModelDims;
  readonly weights: LayerWeights;
  /** (b, l, d) the normalised block input */
  readonly hidden: Float64Array;
  readonly batch: number;
  readonly length: number;
  /** (b, l) 1 real, 0 padding */
  readonly mask?: Float64Array;
  readonly cache?: LayerCache;
  readonly options: ResolvedOptions;
}

/** The Mamba-2 mixer (docs: semantics section 2) over l new tokens, continuing from `cache` if given. */
export function mixerForward(call: MixerCall): { out: Float64Array; cache: LayerCache } {
  const { config, dims: m, weights: w, batch: b, length: l, mask, cache, options } = call;
  const { behaviour } = options;
  const identityPadding = behaviour.padding === 'identity';
  // HF multiplies by the mask only when the batch and the sequence both exceed 1.
  const hfMask = !identityPadding && mask !== undefined && b > 1 && l > 1 ? mask : undefined;
  const hidden = hfMask ? maskRows(call.hidden, hfMask, m.d) : call.hidden;
  const rows = b * l;
  const projected = options.store(linear(hidden, rows, w.inProj, w.inProjBias)); // (b, l, I + C + h)
  const z = columns(projected, rows, m.projection, 0, m.inner); // (b, l, I)
  const xBC = columns(projected, rows, m.projection, m.inner, m.convChannels); // (b, l, C)
  const dtRaw = columns(projected, rows, m.projection, m.inner + m.convChannels, m.heads); // (b, l, h)

  const conv = causalConv(xBC, b, l, m.convChannels, w.convWeight, w.convBias, cache?.convTail.data, identityPadding ? mask : undefined);
  const activated = options.store(hfMask ? maskRows(conv.out, hfMask, m.convChannels) : conv.out); // (b, l, C)
  const gn = m.groups * m.stateSize;
  // HF's single-token decode branch (a cache and one token) skips the dt clamp.
  const unclampedStep = !behaviour.decodeStepClamp && cache !== undefined && l === 1;
  const inputs: SsdInputs = {
    x: tensor([b, l, m.heads, m.headDim], columns(activated, rows, m.convChannels, 0, m.inner)), // (b, l, h, p)
    B: tensor([b, l, m.groups, m.stateSize], columns(activated, rows, m.convChannels, m.inner, gn)), // (b, l, g, n)
    C: tensor([b, l, m.groups, m.stateSize], columns(activated, rows, m.convChannels, m.inner + gn, gn)), // (b, l, g, n)
    dt: tensor([b, l, m.heads], dtRaw), // (b, l, h)
    dtBias: w.dtBias,
    ALog: w.ALog,
    D: w.D,
    timeStepLimit: unclampedStep ? [0, Infinity] : config.time_step_limit,
    initialState: cache?.state,
    mask: identityPadding && mask !== undefined ? tensor([b, l], mask) : undefined,
  };
  const ssd = options.form === 'quadratic' ? ssdQuadratic(inputs) : options.form === 'recurrent' ? ssdRecurrent(inputs) : ssdChunked(inputs, options.chunkSize);

  const y = options.store(ssd.y.data);
  const gated = new Float64Array(rows * m.inner); // (b, l, I): y * silu(z), the gate applied first
  for (let i = 0; i < gated.length; i++) gated[i] = y[i] * silu(z[i]);
  // mamba_ssm normalises each of the g groups separately; HF 5.17 the whole width (#40861).
  const normed = rmsNorm(gated, behaviour.gatedNorm === 'whole' ? m.inner : m.inner / m.groups, w.gateNorm, config.layer_norm_epsilon);
  const out = options.store(linear(options.store(normed), rows, w.outProj, w.outProjBias)); // (b, l, d)
  return { out, cache: { convTail: tensor([b, m.kernel - 1, m.convChannels], conv.tail), state: ssd.finalState } };
}

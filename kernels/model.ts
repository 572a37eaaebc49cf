import { InputError } from '../reference/errors.js';
import type { Mamba2Config, ModelDims } from '../reference/model/config.js';
import type { CausalLM } from '../reference/model/generate.js';
import type { LayerCache } from '../reference/model/mixer.js';
import type { ForwardInputs, ForwardOutputs, Mamba2Model, ModelCache } from '../reference/model/model.js';
import { columns, linear, maskRows, rmsNorm } from '../reference/model/ops.js';
import { BEHAVIOUR, type ForwardOptions, type ResolvedOptions, type Semantics } from '../reference/model/semantics.js';
import type { LayerWeights } from '../reference/model/weights.js';
import { batchRow, tensor, type Tensor } from '../reference/tensor/tensor.js';
import { fromDevice, requireKernels, toDevice, withDeviceScope } from './device.js';
import type { DeviceDType, DeviceTensor, KernelsBinding } from './native.js';

export interface CudaModelOptions {
  readonly semantics: Semantics;
  /** storage of the mixer's activations on the device */
  readonly dtype: DeviceDType;
}

/**
 * The model with its mixers' conv, SSD (chunked prefill, or the decode step for one token
 * from a cache) and gated RMSNorm on the GPU; embeddings, norms and projections stay on the
 * host in float64 (cuBLAS would do for those; for checking, the host is exact).
 * Reference semantics with padding runs each row on its real tokens alone: padded positions
 * are identity steps, so that is the same computation, and the kernels need no mask.
 */
export class CudaModel implements CausalLM {
  readonly config: Mamba2Config;
  private readonly dims: ModelDims;

  constructor(private readonly reference: Mamba2Model, readonly options: CudaModelOptions) {
    this.config = reference.config;
    this.dims = reference.dims;
  }

  get impl(): string {
    return `cuda-${this.options.dtype}`;
  }

  resolveOptions(options: ForwardOptions): ResolvedOptions {
    if (options.semantics !== undefined && options.semantics !== this.options.semantics) {
      throw new InputError('semantics', `${this.options.semantics} (the CUDA model was made for it)`, options.semantics);
    }
    return { ...this.reference.resolveOptions({ ...options, semantics: this.options.semantics }), behaviour: BEHAVIOUR[this.options.semantics] };
  }

  async forward(inputs: ForwardInputs, options: ForwardOptions = {}): Promise<ForwardOutputs> {
    this.resolveOptions(options);
    const { b, l, ids, mask } = this.reference.checkInputs(inputs);
    const k = requireKernels();
    if (this.options.semantics === 'reference' && mask?.some((m) => m === 0)) return this.forwardRowByRow(inputs, b, l, mask);
    const { d } = this.dims;
    const eps = this.config.layer_norm_epsilon;
    // HF multiplies by the mask only when the batch and the sequence both exceed 1.
    const hfMask = this.options.semantics === 'hf' && mask && b > 1 && l > 1 ? mask : undefined;
    let hidden = new Float64Array(b * l * d); // (b, l, d)
    ids.forEach((id, position) => hidden.set(this.reference.weights.embeddings.data.subarray(id * d, (id + 1) * d), position * d));
    const cache: LayerCache[] = [];
    for (const [i, layer] of this.reference.weights.layers.entries()) {
      const normed = rmsNorm(hidden, d, layer.norm, eps);
      const mixed = await this.mixer(k, layer, hfMask ? maskRows(normed, hfMask, d) : normed, b, l, hfMask, inputs.cache?.[i]);
      hidden = hidden.map((v, n) => v + mixed.out[n]);
      cache.push(mixed.cache);
    }
    const logits = linear(rmsNorm(hidden, d, this.reference.weights.normF, eps), b * l, this.reference.weights.lmHead);
    return { logits: tensor([b, l, this.config.vocab_size], logits), cache };
  }

  private mixer(k: KernelsBinding, w: LayerWeights, hidden: Float64Array, b: number, l: number, hfMask: Float64Array | undefined, cache: LayerCache | undefined) {
    const m = this.dims;
    const dtype = this.options.dtype;
    const rows = b * l;
    return withDeviceScope(async (track) => {
      const projected = linear(hidden, rows, w.inProj, w.inProjBias); // (b, l, I + C + h)
      const z = columns(projected, rows, m.projection, 0, m.inner);
      const xBC = tensor([b, l, m.convChannels], columns(projected, rows, m.projection, m.inner, m.convChannels));
      const dtRaw = tensor([b, l, m.heads], columns(projected, rows, m.projection, m.inner + m.convChannels, m.heads));
      const conv = k.conv({
        x: track(toDevice(k, xBC, dtype)),
        weight: track(toDevice(k, tensor([m.convChannels, m.kernel], w.convWeight.data), 'float32')),
        bias: w.convBias && track(toDevice(k, w.convBias, 'float32')),
        tail: cache && track(toDevice(k, cache.convTail, 'float32')),
      });
      track(conv.out);
      track(conv.tail);
      const activatedHost = fromDevice(conv.out).data;
      const activated = hfMask ? maskRows(activatedHost, hfMask, m.convChannels) : activatedHost; // (b, l, C)
      const gn = m.groups * m.stateSize;
      const part = (from: number, width: number, shape: number[]) => track(toDevice(k, tensor(shape, columns(activated, rows, m.convChannels, from, width)), dtype));
      const shared = {
        A: track(toDevice(k, tensor([m.heads], w.ALog.data.map((v) => -Math.exp(v))), 'float32')),
        D: track(toDevice(k, w.D, 'float32')),
        dtBias: track(toDevice(k, w.dtBias, 'float32')),
      };
      const [lo, hi] = this.config.time_step_limit;
      let y: DeviceTensor;
      let state: DeviceTensor;
      if (cache && l === 1) {
        // The decode step; HF's skips the dt clamp (semantics section 6).
        const clamp = BEHAVIOUR[this.options.semantics].decodeStepClamp;
        state = track(toDevice(k, cache.state, 'float32'));
        y = track(k.ssdStep({
          ...shared, state,
          x: part(0, m.inner, [b, m.heads, m.headDim]),
          B: part(m.inner, gn, [b, m.groups, m.stateSize]),
          C: part(m.inner + gn, gn, [b, m.groups, m.stateSize]),
          dt: track(toDevice(k, tensor([b, m.heads], dtRaw.data), 'float32')),
          dtLo: clamp ? lo : 0, dtHi: clamp ? hi : Infinity,
        }));
      } else {
        const out = k.ssdChunked({
          ...shared,
          x: part(0, m.inner, [b, l, m.heads, m.headDim]),
          B: part(m.inner, gn, [b, l, m.groups, m.stateSize]),
          C: part(m.inner + gn, gn, [b, l, m.groups, m.stateSize]),
          dt: track(toDevice(k, dtRaw, 'float32')),
          initialState: cache && track(toDevice(k, cache.state, 'float32')),
          chunkSize: this.config.chunk_size,
          dtLo: lo, dtHi: hi,
        });
        y = track(out.y);
        state = track(out.finalState);
      }
      const yRows = track(toDevice(k, tensor([rows, m.inner], fromDevice(y).data), dtype));
      const groupSize = BEHAVIOUR[this.options.semantics].gatedNorm === 'whole' ? m.inner : m.inner / m.groups;
      const normed = track(k.gatedNorm({ y: yRows, z: track(toDevice(k, tensor([rows, m.inner], z), dtype)), weight: track(toDevice(k, w.gateNorm, 'float32')), groupSize, eps: this.config.layer_norm_epsilon }));
      const out = linear(fromDevice(normed).data, rows, w.outProj, w.outProjBias); // (b, l, d)
      return { out, cache: { convTail: fromDevice(conv.tail), state: fromDevice(state) } };
    });
  }

  /** Reference semantics with padding: each row on its real tokens alone, scattered back. */
  private async forwardRowByRow(inputs: ForwardInputs, b: number, l: number, mask: Float64Array): Promise<ForwardOutputs> {
    const vocab = this.config.vocab_size;
    const logits = new Float64Array(b * l * vocab); // (b, l, vocab); padded positions stay 0
    const rowsOut: ForwardOutputs[] = [];
    for (let row = 0; row < b; row++) {
      const positions = Array.from({ length: l }, (_, t) => t).filter((t) => mask[row * l + t] === 1);
      if (positions.length === 0) throw new InputError('attentionMask', 'at least one real token in every row', `row ${row} all padding`);
      const rowCache: ModelCache | undefined = inputs.cache?.map((layer) => ({ convTail: batchRow(layer.convTail, row), state: batchRow(layer.state, row) }));
      const out = await this.forward({ inputIds: tensor([1, positions.length], positions.map((t) => inputs.inputIds.data[row * l + t])), cache: rowCache });
      positions.forEach((t, n) => logits.set(out.logits.data.subarray(n * vocab, (n + 1) * vocab), (row * l + t) * vocab));
      rowsOut.push(out);
    }
    const cache = rowsOut[0].cache.map((_, i) => ({
      convTail: stack(rowsOut.map((r) => r.cache[i].convTail)),
      state: stack(rowsOut.map((r) => r.cache[i].state)),
    }));
    return { logits: tensor([b, l, vocab], logits), cache };
  }
}

function stack(rows: Tensor[]): Tensor {
  const [, ...rest] = rows[0].shape;
  const data = new Float64Array(rows.reduce((n, r) => n + r.data.length, 0));
  let at = 0;
  for (const r of rows) {
    data.set(r.data, at);
    at += r.data.length;
  }
  return tensor([rows.length, ...rest], data);
}

import { InputError, formatShape, requireInteger } from '../errors.js';
import { SSD_FORMS } from '../ssd/index.js';
import { roundTo } from '../tensor/precision.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import { expectShape } from '../ssd/inputs.js';
import { modelDims, type Mamba2Config, type ModelDims } from './config.js';
import { mixerForward, type LayerCache } from './mixer.js';
import { linear, rmsNorm } from './ops.js';
import { BEHAVIOUR, SEMANTICS, type ForwardOptions, type ResolvedOptions } from './semantics.js';
import type { ModelWeights } from './weights.js';

export type ModelCache = readonly LayerCache[];

export interface ForwardInputs {
  /** (b, l) token ids */
  readonly inputIds: Tensor;
  /** (b, l) 1 for real tokens, 0 for padding */
  readonly attentionMask?: Tensor;
  /** continue from here (prefill + continuation); absent: start from zeros */
  readonly cache?: ModelCache;
}

export interface ForwardOutputs {
  /** (b, l, vocab) */
  readonly logits: Tensor;
  /** the cache after these tokens */
  readonly cache: ModelCache;
}

/** The float64 Mamba2ForCausalLM (docs: semantics section 3). */
export class Mamba2Model {
  readonly impl = 'reference';
  readonly dims: ModelDims;

  constructor(
    readonly config: Mamba2Config,
    readonly weights: ModelWeights,
  ) {
    this.dims = modelDims(config);
  }

  resolveOptions(options: ForwardOptions): ResolvedOptions {
    const semantics = options.semantics ?? 'reference';
    const form = options.form ?? 'chunked';
    const chunkSize = options.chunkSize ?? this.config.chunk_size;
    if (!SEMANTICS.includes(semantics)) throw new InputError('semantics', `one of ${SEMANTICS.join(', ')}`, JSON.stringify(semantics));
    if (!SSD_FORMS.includes(form)) throw new InputError('form', `one of ${SSD_FORMS.join(', ')}`, JSON.stringify(form));
    requireInteger('chunkSize', chunkSize, 1);
    const precision = options.activationPrecision ?? 'fp64';
    const store = precision === 'fp64' ? (v: Float64Array) => v : (v: Float64Array) => v.map((x) => roundTo(precision, x));
    return { behaviour: options.behaviour ?? BEHAVIOUR[semantics], form, chunkSize, store };
  }

  /** Checks ids, mask and cache as every implementation of the model must; returns them flat. */
  checkInputs(inputs: ForwardInputs): { b: number; l: number; ids: Float64Array; mask?: Float64Array } {
    const { inputIds } = inputs;
    if (inputIds.shape.length !== 2 || inputIds.shape[0] < 1 || inputIds.shape[1] < 1) {
      throw new InputError('inputIds', 'shape (b, l) with b, l >= 1', formatShape(inputIds.shape));
    }
    const [b, l] = inputIds.shape;
    const ids = expectShape('inputIds', inputIds, [b, l], '(b, l)').data;
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.config.vocab_size) {
        throw new InputError('inputIds', `token ids in [0, ${this.config.vocab_size})`, `${id} at row ${Math.floor(i / l)}, position ${i % l}`);
      }
    });
    const mask = inputs.attentionMask === undefined ? undefined : expectShape('attentionMask', inputs.attentionMask, [b, l], '(b, l)').data;
    mask?.forEach((v, i) => {
      if (v !== 0 && v !== 1) throw new InputError('attentionMask', 'values 0 or 1', `${v} at row ${Math.floor(i / l)}, position ${i % l}`);
    });
    if (inputs.cache) this.validateCache(inputs.cache, b);
    return { b, l, ids, mask };
  }

  private validateCache(cache: ModelCache, b: number): void {
    const m = this.dims;
    if (cache.length !== this.config.num_hidden_layers) throw new InputError('cache', `${this.config.num_hidden_layers} layers`, `${cache.length}`);
    cache.forEach((layer, i) => {
      expectShape(`cache[${i}].convTail`, layer.convTail, [b, m.kernel - 1, m.convChannels], '(b, K-1, C)');
      expectShape(`cache[${i}].state`, layer.state, [b, m.heads, m.headDim, m.stateSize], '(b, h, p, n)');
    });
  }

  /** Logits for every position and the cache after the last one. */
  forward(inputs: ForwardInputs, options: ForwardOptions = {}): ForwardOutputs {
    const resolved = this.resolveOptions(options);
    const { b, l, ids, mask } = this.checkInputs(inputs);
    const { d } = this.dims;
    const eps = this.config.layer_norm_epsilon;
    let hidden: Float64Array = new Float64Array(b * l * d); // (b, l, d) residual stream
    ids.forEach((id, position) => hidden.set(this.weights.embeddings.data.subarray(id * d, (id + 1) * d), position * d));
    hidden = resolved.store(hidden);
    const cache: LayerCache[] = [];
    this.weights.layers.forEach((layer, i) => {
      const mixed = mixerForward({
        config: this.config, dims: this.dims, weights: layer, batch: b, length: l, mask,
        hidden: resolved.store(rmsNorm(hidden, d, layer.norm, eps)), cache: inputs.cache?.[i], options: resolved,
      });
      const next = new Float64Array(hidden.length);
      for (let k = 0; k < next.length; k++) next[k] = hidden[k] + mixed.out[k];
      hidden = next;
      cache.push(mixed.cache);
    });
    const logits = linear(resolved.store(rmsNorm(hidden, d, this.weights.normF, eps)), b * l, this.weights.lmHead); // (b, l, vocab)
    return { logits: tensor([b, l, this.config.vocab_size], logits), cache };
  }
}

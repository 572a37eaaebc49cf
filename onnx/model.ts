import { InputError } from '../reference/errors.js';
import type { Mamba2Config } from '../reference/model/config.js';
import type { CausalLM } from '../reference/model/generate.js';
import type { LayerCache } from '../reference/model/mixer.js';
import type { ForwardInputs, ForwardOutputs, Mamba2Model } from '../reference/model/model.js';
import { BEHAVIOUR, type ForwardOptions, type ResolvedOptions, type Semantics } from '../reference/model/semantics.js';
import { tensor } from '../reference/tensor/tensor.js';
import { buildPrefillGraph, buildStepGraph, cacheNames } from './graphs/model-graph.js';
import type { GraphPrecision } from './graphs/ssd-graph.js';
import { fromHost, int64Host, toHost, type HostTensor } from './runtime/host-tensor.js';
import type { ExecutionProvider } from './runtime/providers.js';
import { SessionCache } from './runtime/session.js';

export interface OnnxModelOptions {
  readonly semantics: Semantics;
  readonly precision: GraphPrecision;
  readonly provider: ExecutionProvider;
  readonly chunkSize?: number;
}

/**
 * The model through ONNX: the prefill graph for prompts (no cache in), the step graph for one
 * token from a cache. Inputs are validated by the reference model first, so errors read the
 * same. Semantics and precision are fixed when the graphs are built.
 */
export class OnnxModel implements CausalLM {
  private readonly sessions = new SessionCache();
  readonly config: Mamba2Config;

  constructor(private readonly reference: Mamba2Model, readonly options: OnnxModelOptions) {
    this.config = reference.config;
  }

  get impl(): string {
    return `onnx-${this.options.provider}-${this.options.precision}`;
  }

  resolveOptions(options: ForwardOptions): ResolvedOptions {
    const resolved = this.reference.resolveOptions({ ...options, semantics: options.semantics ?? this.options.semantics });
    if (options.semantics !== undefined && options.semantics !== this.options.semantics) {
      throw new InputError('semantics', `${this.options.semantics} (the ONNX graphs were built for it)`, options.semantics);
    }
    return { ...resolved, behaviour: BEHAVIOUR[this.options.semantics] };
  }

  private spec() {
    return { config: this.config, weights: this.reference.weights, semantics: this.options.semantics, precision: this.options.precision, chunkSize: this.options.chunkSize };
  }

  async forward(inputs: ForwardInputs, options: ForwardOptions = {}): Promise<ForwardOutputs> {
    this.resolveOptions(options);
    if (options.behaviour !== undefined) throw new InputError('behaviour', 'none (ONNX graphs implement whole semantics)', 'a behaviour');
    const { b, l, ids, mask } = this.reference.checkInputs(inputs);
    if (inputs.cache) {
      if (l !== 1) throw new InputError('inputIds', 'one token per row when continuing from a cache (the ONNX step graph)', `${l} tokens`);
      const session = await this.sessions.get('step', this.options.provider, () => buildStepGraph(this.spec()).build());
      const feeds: Record<string, HostTensor> = { input_ids: int64Host([b, 1], ids) };
      inputs.cache.forEach((layer, i) => {
        feeds[cacheNames(i).pastTail] = toHost(layer.convTail, 'float32');
        feeds[cacheNames(i).pastState] = toHost(layer.state, 'float32');
      });
      return this.outputs(await session.run(feeds));
    }
    const session = await this.sessions.get('prefill', this.options.provider, () => buildPrefillGraph(this.spec()).build());
    return this.outputs(await session.run({
      input_ids: int64Host([b, l], ids),
      attention_mask: int64Host([b, l], mask ?? new Array<number>(b * l).fill(1)),
    }));
  }

  private outputs(out: Record<string, HostTensor>): ForwardOutputs {
    const cache: LayerCache[] = this.reference.weights.layers.map((_, i) => ({
      convTail: fromHost(out[cacheNames(i).presentTail]),
      state: fromHost(out[cacheNames(i).presentState]),
    }));
    const logits = fromHost(out.logits);
    return { logits: tensor(logits.shape, logits.data), cache };
  }

  release(): Promise<void> {
    return this.sessions.clear();
  }
}

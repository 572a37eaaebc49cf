import { modelDims, type Mamba2Config } from '../../reference/model/config.js';
import { BEHAVIOUR, type Semantics } from '../../reference/model/semantics.js';
import type { ModelWeights } from '../../reference/model/weights.js';
import { GraphBuilder, type Value } from '../graph/builder.js';
import { prefillMasks, prefillMixer, rmsNorm, stepMixer, type ModelContext } from './model-nodes.js';
import type { GraphPrecision } from './ssd-graph.js';
import { WeightWriter } from './weights.js';

export type ModelGraphKind = 'prefill' | 'step';

export interface ModelGraphSpec {
  readonly config: Mamba2Config;
  readonly weights: ModelWeights;
  readonly semantics: Semantics;
  readonly precision: GraphPrecision;
  /** default: the config's chunk_size */
  readonly chunkSize?: number;
}

/** Cache tensor names: `past.*` into the step graph, `present.*` out of both graphs. */
export const cacheNames = (layer: number) => ({
  pastTail: `past.conv_tail.${layer}`, pastState: `past.state.${layer}`,
  presentTail: `present.conv_tail.${layer}`, presentState: `present.state.${layer}`,
});

function context(spec: ModelGraphSpec, g: GraphBuilder): ModelContext {
  return {
    g, weights: new WeightWriter(g, spec.precision), config: spec.config, dims: modelDims(spec.config),
    behaviour: BEHAVIOUR[spec.semantics], chunkSize: spec.chunkSize ?? spec.config.chunk_size,
  };
}

/** embeddings -> blocks -> norm_f -> lm_head; `mixer` runs one layer's mixer. */
function body(c: Context, inputIds: Value, mixer: (layer: number, hidden: Value) => { out: Value; tail: Value; state: Value }): Value {
  const { g, config } = c;
  const embeddings = c.weights.add('backbone.embeddings.weight', c.weightsOf.embeddings);
  let hidden = c.weights.activation(g.op('Gather', [embeddings, inputIds], { axis: 0 }, 'embeddings')); // (b, l, d)
  c.weightsOf.layers.forEach((layer, i) => {
    g.scope(`layers.${i}`, () => {
      const normed = c.weights.activation(rmsNorm(c, hidden, c.weights.add(`backbone.layers.${i}.norm.weight`, layer.norm)));
      const mixed = mixer(i, normed);
      // The residual stream stays float32 (HF's residual_in_fp32).
      hidden = g.op('Add', [hidden, mixed.out], {}, 'residual');
      const names = cacheNames(i);
      g.output(mixed.tail, names.presentTail, 'float32', ['batch', c.dims.kernel - 1, c.dims.convChannels]);
      g.output(mixed.state, names.presentState, 'float32', ['batch', c.dims.heads, c.dims.headDim, c.dims.stateSize]);
    });
  });
  const normed = c.weights.activation(rmsNorm(c, hidden, c.weights.add('backbone.norm_f.weight', c.weightsOf.normF)));
  // A tied lm_head reads the embedding table, transposed, rather than storing it twice.
  const head = config.tie_word_embeddings ? g.op('Transpose', [embeddings], { perm: [1, 0] }, 'lm_head.tied') : c.weights.add('lm_head.weight', c.weightsOf.lmHead, true);
  return g.op('MatMul', [normed, head], {}, 'lm_head');
}

type Context = ModelContext & { readonly weightsOf: ModelWeights };

/**
 * `prefill`: input_ids (batch, seq) int64 and attention_mask (batch, seq) int64 (1 real, 0 pad)
 * -> logits (batch, seq, vocab) float32 and, per layer, present.conv_tail.{i} (batch, K-1, C)
 * and present.state.{i} (batch, h, p, n), float32.
 */
export function buildPrefillGraph(spec: ModelGraphSpec): GraphBuilder {
  const g = new GraphBuilder('mamba2_prefill', `Mamba2ForCausalLM prefill, ${spec.semantics} semantics, ${spec.precision} (ssdcheck)`);
  const c: Context = { ...context(spec, g), weightsOf: spec.weights };
  const inputIds = g.input('input_ids', 'int64', ['batch', 'seq']);
  const masks = prefillMasks(g, g.input('attention_mask', 'int64', ['batch', 'seq']));
  const logits = body(c, inputIds, (layer, hidden) => prefillMixer(c, layer, spec.weights.layers[layer], hidden, masks));
  g.output(logits, 'logits', 'float32', ['batch', 'seq', spec.config.vocab_size]);
  return g;
}

/**
 * `step`: input_ids (batch, 1) int64 plus past.conv_tail.{i}, past.state.{i} -> logits
 * (batch, 1, vocab) and present.* caches. Every new token is real (HF drops the mask after
 * the prefill).
 */
export function buildStepGraph(spec: ModelGraphSpec): GraphBuilder {
  const g = new GraphBuilder('mamba2_step', `Mamba2ForCausalLM decode step, ${spec.semantics} semantics, ${spec.precision} (ssdcheck)`);
  const c: Context = { ...context(spec, g), weightsOf: spec.weights };
  const m = c.dims;
  const inputIds = g.input('input_ids', 'int64', ['batch', 1]);
  const past = spec.weights.layers.map((_, i) => ({
    tail: g.input(cacheNames(i).pastTail, 'float32', ['batch', m.kernel - 1, m.convChannels]),
    state: g.input(cacheNames(i).pastState, 'float32', ['batch', m.heads, m.headDim, m.stateSize]),
  }));
  const logits = body(c, inputIds, (layer, hidden) => stepMixer(c, layer, spec.weights.layers[layer], hidden, past[layer].tail, past[layer].state));
  g.output(logits, 'logits', 'float32', ['batch', 1, spec.config.vocab_size]);
  return g;
}

import { roundTensor, type Precision } from '../tensor/precision.js';
import type { Tensor } from '../tensor/tensor.js';
import { Mamba2Model } from './model.js';
import type { LayerWeights, ModelWeights } from './weights.js';

/**
 * The model with every weight rounded to `precision`: together with the forward option
 * `activationPrecision`, the float64 reference emulating a model stored in that precision
 * (the naive baseline a reduced-precision implementation is held to: at most 2x its error).
 */
export function withRoundedWeights(model: Mamba2Model, precision: Precision): Mamba2Model {
  const round = (t: Tensor) => roundTensor(t, precision);
  const roundLayer = (l: LayerWeights): LayerWeights => ({
    norm: round(l.norm), inProj: round(l.inProj), inProjBias: l.inProjBias && round(l.inProjBias),
    convWeight: round(l.convWeight), convBias: l.convBias && round(l.convBias), dtBias: round(l.dtBias),
    ALog: round(l.ALog), D: round(l.D), gateNorm: round(l.gateNorm), outProj: round(l.outProj), outProjBias: l.outProjBias && round(l.outProjBias),
  });
  const embeddings = round(model.weights.embeddings);
  const weights: ModelWeights = {
    embeddings,
    layers: model.weights.layers.map(roundLayer),
    normF: round(model.weights.normF),
    lmHead: model.weights.lmHead === model.weights.embeddings ? embeddings : round(model.weights.lmHead),
  };
  return new Mamba2Model(model.config, weights);
}

import { GraphBuilder } from '../graph/builder.js';
import { ssdChunkedNodes, ssdQuadraticNodes, discretiseDt, type SsdGraphDims } from './ssd-nodes.js';

export type SsdGraphForm = 'chunked' | 'quadratic';
export type GraphPrecision = 'fp32' | 'fp16';

export interface SsdGraphSpec {
  readonly dims: SsdGraphDims;
  readonly form: SsdGraphForm;
  /** the chunked form's chunk size */
  readonly chunkSize: number;
  /** fp16: x, B, C in and y out in float16, everything else (and all arithmetic) float32 */
  readonly precision: GraphPrecision;
}

/**
 * The `ssd` and `ssd-quadratic` graphs. Inputs, as the fixtures name them:
 * x (batch, seq, h, p), dt (batch, seq, h) raw, A (h) negative, B, C (batch, seq, g, n), D (h),
 * dt_bias (h), initial_state (batch, h, p, n) float32, dt_limit (2) float32 [lo, hi].
 * Outputs: y (batch, seq, h, p), final_state (batch, h, p, n) float32.
 * In fp16 x, B, C, y are float16 (as mamba_ssm's kernels take them), computed in float32.
 */
export function buildSsdGraph(spec: SsdGraphSpec): GraphBuilder {
  const { heads: h, headDim: p, groups: gr, stateSize: n } = spec.dims;
  const io = spec.precision === 'fp16' ? 'float16' : 'float32';
  const g = new GraphBuilder(`ssd_${spec.form}`, `Mamba-2 SSD layer, ${spec.form} form${spec.form === 'chunked' ? `, chunk size ${spec.chunkSize}` : ''}, ${spec.precision} (ssdcheck)`);
  const widen = (v: string) => (io === 'float16' ? g.op('Cast', [v], { to: 1 }, 'to_fp32') : v);
  const x = widen(g.input('x', io, ['batch', 'seq', h, p]));
  const dtRaw = g.input('dt', 'float32', ['batch', 'seq', h]);
  const A = g.input('A', 'float32', [h]);
  const B = widen(g.input('B', io, ['batch', 'seq', gr, n]));
  const C = widen(g.input('C', io, ['batch', 'seq', gr, n]));
  const D = g.input('D', 'float32', [h]);
  const dtBias = g.input('dt_bias', 'float32', [h]);
  const initialState = g.input('initial_state', 'float32', ['batch', h, p, n]);
  const limit = g.input('dt_limit', 'float32', [2]);
  const lo = g.op('Gather', [limit, g.scalar(0, 'int64')], { axis: 0 }, 'lo');
  const hi = g.op('Gather', [limit, g.scalar(1, 'int64')], { axis: 0 }, 'hi');
  const dt = discretiseDt(g, dtRaw, dtBias, lo, hi);
  const values = { x, dt, A, B, C, D, initialState };
  const out = spec.form === 'chunked' ? ssdChunkedNodes(g, values, spec.dims, spec.chunkSize) : ssdQuadraticNodes(g, values, spec.dims);
  const y = io === 'float16' ? g.op('Cast', [out.y], { to: 10 }, 'to_fp16') : out.y;
  g.output(y, 'y', io, ['batch', 'seq', h, p]);
  g.output(out.finalState, 'final_state', 'float32', ['batch', h, p, n]);
  return g;
}

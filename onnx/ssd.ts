import { InputError, formatShape } from '../reference/errors.js';
import { prepareSsd, type SsdInputs, type SsdOutputs } from '../reference/ssd/inputs.js';
import type { SsdStepInputs, SsdStepOutputs } from '../reference/ssd/recurrent.js';
import { reshape, tensor } from '../reference/tensor/tensor.js';
import { buildSsdGraph, type GraphPrecision, type SsdGraphForm } from './graphs/ssd-graph.js';
import { fromHost, toHost, type HostTensor } from './runtime/host-tensor.js';
import type { ExecutionProvider } from './runtime/providers.js';
import { SessionCache } from './runtime/session.js';

export interface OnnxSsdOptions {
  readonly form: SsdGraphForm;
  readonly chunkSize: number;
  readonly precision: GraphPrecision;
  readonly provider: ExecutionProvider;
}

const defaultCache = new SessionCache();

/** Releases the sessions this module keeps (tests call it at the end). */
export function releaseSsdSessions(): Promise<void> {
  return defaultCache.clear();
}

/**
 * The SSD layer through an ONNX graph: the inputs are validated exactly as the reference
 * validates them (same errors), then fed as float32 (x, B, C in float16 for fp16 graphs).
 */
export async function ssdOnnx(inputs: SsdInputs, options: OnnxSsdOptions, cache = defaultCache): Promise<SsdOutputs> {
  if (inputs.mask !== undefined) throw new InputError('mask', 'no mask (the ssd graph has none; the model graphs handle padding)', 'a mask');
  const s = prepareSsd(inputs);
  const dims = { heads: s.heads, headDim: s.headDim, groups: s.groups, stateSize: s.stateSize };
  const key = `ssd:${options.form}:${options.form === 'chunked' ? options.chunkSize : 0}:${options.precision}:${dims.heads}x${dims.headDim}:${dims.groups}x${dims.stateSize}`;
  const session = await cache.get(key, options.provider, () => buildSsdGraph({ dims, form: options.form, chunkSize: options.chunkSize, precision: options.precision }).build());
  const io = options.precision === 'fp16' ? 'float16' : 'float32';
  const [lo, hi] = inputs.timeStepLimit ?? [0, Infinity];
  const f32 = (data: Float64Array, dims: readonly number[]): HostTensor => ({ dtype: 'float32', dims, data: Float32Array.from(data) });
  const { batch: b, heads: h, headDim: p, stateSize: n } = s;
  const out = await session.run({
    x: toHost(inputs.x, io),
    dt: toHost(inputs.dt, 'float32'),
    A: f32(s.A, [h]),
    B: toHost(inputs.B, io),
    C: toHost(inputs.C, io),
    D: f32(s.D, [h]),
    dt_bias: toHost(inputs.dtBias, 'float32'),
    initial_state: f32(s.initialState, [b, h, p, n]),
    dt_limit: f32(Float64Array.of(lo, hi), [2]),
  });
  return { y: fromHost(out.y), finalState: fromHost(out.final_state) };
}

/** A decode step through the same graph: the SSD over one token from the given state. */
export async function ssdStepOnnx(inputs: SsdStepInputs, options: OnnxSsdOptions, cache = defaultCache): Promise<SsdStepOutputs> {
  if (inputs.x.shape.length !== 3) throw new InputError('x', 'a 3-d tensor (b, h, p)', formatShape(inputs.x.shape));
  if (inputs.B.shape.length !== 3) throw new InputError('B', 'a 3-d tensor (b, g, n)', formatShape(inputs.B.shape));
  const [b, h, p] = inputs.x.shape;
  const [, g, n] = inputs.B.shape;
  const { y, finalState } = await ssdOnnx({
    ...inputs,
    x: reshape(inputs.x, [b, 1, h, p]),
    dt: reshape(inputs.dt, [b, 1, h]),
    B: reshape(inputs.B, [b, 1, g, n]),
    C: reshape(inputs.C, [b, 1, g, n]),
    initialState: inputs.state,
  }, options, cache);
  return { y: tensor([b, h, p], y.data), state: finalState };
}

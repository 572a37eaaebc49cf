import { fromBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { ModelProtoSchema, TensorProto_DataType } from 'onnx-buf';
import { InputError, formatShape } from '../../reference/errors.js';
import type { BuiltModel } from '../graph/builder.js';
import type { DataType } from '../graph/dtypes.js';
import type { HostTensor } from './host-tensor.js';
import { checkProvider, explainProviderFailure, type ExecutionProvider } from './providers.js';

/** A declared graph input or output: name, element type, dims (symbolic ones as names). */
export interface Port {
  readonly name: string;
  readonly dtype: DataType;
  readonly dims: readonly (number | string)[];
}

const FROM_ONNX: Partial<Record<TensorProto_DataType, DataType>> = {
  [TensorProto_DataType.FLOAT]: 'float32',
  [TensorProto_DataType.FLOAT16]: 'float16',
  [TensorProto_DataType.INT64]: 'int64',
  [TensorProto_DataType.BOOL]: 'bool',
};

/** The graph's declared inputs and outputs, read from the model bytes. */
export function readPorts(model: Uint8Array): { inputs: Port[]; outputs: Port[] } {
  const graph = fromBinary(ModelProtoSchema, model).graph;
  if (!graph) throw new InputError('model', 'an ONNX model with a graph', 'none');
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const port = (v: (typeof graph.input)[number]): Port => {
    const type = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    const dtype = type ? FROM_ONNX[type.elemType as TensorProto_DataType] : undefined;
    if (!dtype) throw new InputError(`model input ${v.name}`, 'a float32, float16, int64 or bool tensor', 'another type');
    const dims = type!.shape?.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : '?')) ?? [];
    return { name: v.name, dtype, dims };
  };
  return { inputs: graph.input.filter((v) => !initializers.has(v.name)).map(port), outputs: graph.output.map(port) };
}

/**
 * An onnxruntime session on one execution provider, with the graph's declared inputs checked
 * before every run (names, element types, ranks, fixed sizes, and symbolic sizes agreeing
 * across inputs), so bad input is an InputError naming the input rather than a runtime abort.
 */
export class OnnxSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: ExecutionProvider,
    readonly inputs: readonly Port[],
    readonly outputs: readonly Port[],
  ) {}

  /** `path`: a model file (its external data beside it); otherwise the built bytes. */
  static async create(model: BuiltModel | string, provider: ExecutionProvider): Promise<OnnxSession> {
    checkProvider(provider);
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      logSeverityLevel: 3,
      // Idle intra-op threads spin by default, taking cores from JavaScript between runs.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    let bytes: Uint8Array;
    let session: ort.InferenceSession;
    try {
      if (typeof model === 'string') {
        const { readFileSync } = await import('node:fs');
        bytes = readFileSync(model);
        session = await ort.InferenceSession.create(model, options);
      } else {
        bytes = model.model;
        if (model.externalData) options.externalData = [{ path: model.externalData.location, data: model.externalData.bytes }];
        session = await ort.InferenceSession.create(model.model, options);
      }
    } catch (error) {
      throw explainProviderFailure(provider, error as Error);
    }
    const ports = readPorts(bytes);
    return new OnnxSession(session, provider, ports.inputs, ports.outputs);
  }

  private validate(feeds: Record<string, HostTensor>): void {
    const symbols = new Map<string, { size: number; input: string }>();
    for (const port of this.inputs) {
      const t = feeds[port.name];
      if (!t) throw new InputError(`input '${port.name}'`, `a ${port.dtype} tensor of dims (${port.dims.join(', ')})`, 'nothing');
      if (t.dtype !== port.dtype) throw new InputError(`input '${port.name}'`, `element type ${port.dtype}`, t.dtype);
      if (t.dims.length !== port.dims.length) throw new InputError(`input '${port.name}'`, `dims (${port.dims.join(', ')})`, formatShape(t.dims));
      port.dims.forEach((dim, axis) => {
        const size = t.dims[axis];
        if (typeof dim === 'number' && size !== dim) throw new InputError(`input '${port.name}'`, `dims (${port.dims.join(', ')})`, formatShape(t.dims));
        if (typeof dim === 'string') {
          const seen = symbols.get(dim);
          if (seen && seen.size !== size) throw new InputError(`input '${port.name}'`, `${dim} = ${seen.size} (as input '${seen.input}' has)`, `${size} in ${formatShape(t.dims)}`);
          if (size < 1) throw new InputError(`input '${port.name}'`, `${dim} >= 1`, formatShape(t.dims));
          if (!seen) symbols.set(dim, { size, input: port.name });
        }
      });
      const count = t.dims.reduce((n, d) => n * d, 1);
      if (t.data.length !== count) throw new InputError(`input '${port.name}'`, `${count} values for dims ${formatShape(t.dims)}`, `${t.data.length}`);
    }
    const unknown = Object.keys(feeds).filter((name) => !this.inputs.some((p) => p.name === name));
    if (unknown.length > 0) throw new InputError('inputs', `only ${this.inputs.map((p) => p.name).join(', ')}`, `also ${unknown.join(', ')}`);
  }

  async run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    this.validate(feeds);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.dtype, t.data as never, t.dims);
    const results = await this.session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const port of this.outputs) {
      const r = results[port.name];
      out[port.name] = { dtype: port.dtype, dims: [...r.dims], data: r.data as never };
      r.dispose();
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Sessions reused across calls, one per (graph key, provider): creating a session costs far
 * more than running a small graph, and properties run the same shapes many times.
 */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<OnnxSession>>();

  get(key: string, provider: ExecutionProvider, build: () => BuiltModel): Promise<OnnxSession> {
    const id = `${provider}:${key}`;
    let session = this.sessions.get(id);
    if (!session) {
      session = OnnxSession.create(build(), provider);
      // A failed creation is not cached: the next call reports the same error afresh.
      session.catch(() => this.sessions.delete(id));
      this.sessions.set(id, session);
    }
    return session;
  }

  async clear(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await s.then((session) => session.release(), () => undefined);
  }
}

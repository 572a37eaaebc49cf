import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType, AttributeProtoSchema, GraphProtoSchema, ModelProtoSchema, NodeProtoSchema,
  OperatorSetIdProtoSchema, StringStringEntryProtoSchema, TensorProto_DataLocation, TensorProtoSchema,
  TensorShapeProto_DimensionSchema, TensorShapeProtoSchema, TypeProto_TensorSchema, TypeProtoSchema,
  ValueInfoProtoSchema, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from 'onnx-buf';
import { ONNX_TYPE, type DataType, type DataTypeMap } from './dtypes.js';

/** ONNX IR version 10 (onnxruntime-node 1.30 reads at most 13) and opset 18. */
export const IR_VERSION = 10n;
export const OPSET = 18n;

/** A value in the graph: the name of a tensor. */
export type Value = string;
/** A dimension: a fixed size or a symbolic name (`batch`, `seq`). */
export type Dim = number | string;
export type AttributeValue = number | string | readonly number[] | { readonly floats: readonly number[] } | { readonly tensor: TensorProto };

/** Tensors larger than this go to the external data file, when one is asked for. */
const EXTERNAL_THRESHOLD_BYTES = 1024;

function valueInfo(name: string, dtype: DataType, dims: readonly Dim[]): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType: ONNX_TYPE[dtype],
          shape: create(TensorShapeProtoSchema, {
            dim: dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d } })),
          }),
        }),
      },
    }),
  });
}

function attribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) })
      : create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: value });
  }
  if (typeof value === 'string') return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.STRING, s: new TextEncoder().encode(value) });
  if ('floats' in value) return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOATS, floats: [...value.floats] });
  if ('tensor' in value) return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.TENSOR, t: value.tensor });
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: value.map(BigInt) });
}

export function tensorProto<T extends DataType>(name: string, dtype: T, dims: readonly number[], data: DataTypeMap[T]): TensorProto {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return create(TensorProtoSchema, { name, dataType: ONNX_TYPE[dtype], dims: dims.map(BigInt), rawData: Uint8Array.from(bytes) });
}

/** The serialised model, and the external data file's bytes when the weights went there. */
export interface BuiltModel {
  readonly model: Uint8Array;
  readonly externalData?: { readonly location: string; readonly bytes: Uint8Array };
}

/**
 * Declares a graph's inputs, initializers, nodes and outputs with shapes, and serialises it as
 * an ONNX model. Nodes are named `<scope>/<label or op>_<n>` (scopes like `layers.0/mixer`), so
 * the graph reads well in Netron. Every produced value is checked to have a producer and every
 * name to be unique when the model is built.
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly produced = new Set<string>();
  private readonly scopes: string[] = [];
  private counter = 0;

  constructor(readonly name: string, readonly docString = '') {}

  private fresh(label: string): string {
    return `${[...this.scopes, label].join('/')}_${this.counter++}`;
  }

  private claim(name: string): string {
    if (this.produced.has(name)) throw new Error(`graph ${this.name}: value '${name}' defined twice`);
    this.produced.add(name);
    return name;
  }

  /** Runs `body` with node names prefixed by `scope`. */
  scope<T>(scope: string, body: () => T): T {
    this.scopes.push(scope);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  input(name: string, dtype: DataType, dims: readonly Dim[]): Value {
    this.inputs.push(valueInfo(this.claim(name), dtype, dims));
    return name;
  }

  initializer<T extends DataType>(name: string, dtype: T, dims: readonly number[], data: DataTypeMap[T]): Value {
    const count = dims.reduce((n, d) => n * d, 1);
    if (data.length !== count) throw new Error(`graph ${this.name}: initializer ${name} has ${data.length} values for dims (${dims.join(', ')})`);
    this.initializers.push(tensorProto(this.claim(name), dtype, dims, data));
    return name;
  }

  /** A constant with a generated name (small tensors: shapes, axes, scalars). */
  constant<T extends DataType>(dtype: T, dims: readonly number[], data: DataTypeMap[T], label = 'const'): Value {
    return this.initializer(this.fresh(label), dtype, dims, data);
  }

  ints(values: readonly number[]): Value {
    return this.constant('int64', [values.length], BigInt64Array.from(values.map(BigInt)), 'ints');
  }

  scalar(value: number, dtype: 'float32' | 'int64' = 'float32'): Value {
    return dtype === 'int64' ? this.constant('int64', [], BigInt64Array.of(BigInt(value)), 'scalar') : this.constant('float32', [], Float32Array.of(value), 'scalar');
  }

  /** A float32 tensor of a runtime shape (an int64 Value) filled with `value`. */
  filled(shape: Value, value: number, label = 'filled'): Value {
    return this.op('ConstantOfShape', [shape], { value: { tensor: tensorProto('value', 'float32', [1], Float32Array.of(value)) } }, label);
  }

  /** Adds a node with one output; `label` names it (default: the op type). */
  op(opType: string, inputs: readonly Value[], attributes: Record<string, AttributeValue> = {}, label?: string): Value {
    return this.opMulti(opType, inputs, 1, attributes, label)[0];
  }

  opMulti(opType: string, inputs: readonly Value[], outputCount: number, attributes: Record<string, AttributeValue> = {}, label?: string): Value[] {
    const nodeName = this.fresh(label ?? opType);
    const outputs = Array.from({ length: outputCount }, (_, i) => this.claim(outputCount === 1 ? nodeName : `${nodeName}:${i}`));
    this.nodes.push(create(NodeProtoSchema, {
      name: nodeName, opType, input: [...inputs], output: outputs,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    }));
    return outputs;
  }

  /** Declares `value` as a graph output named `name` (an Identity node gives it that name). */
  output(value: Value, name: string, dtype: DataType, dims: readonly Dim[]): void {
    this.nodes.push(create(NodeProtoSchema, { name: `output/${name}`, opType: 'Identity', input: [value], output: [this.claim(name)] }));
    this.outputs.push(valueInfo(name, dtype, dims));
  }

  /**
   * Serialises the model. With `externalDataFile`, initializers above 1 KiB are written to that
   * file (next to the model) instead of inline: protobuf cannot hold more than 2 GB.
   */
  build(externalDataFile?: string): BuiltModel {
    let external: Uint8Array[] | undefined;
    let offset = 0;
    const initializers = this.initializers.map((t) => {
      if (externalDataFile === undefined || t.rawData.length <= EXTERNAL_THRESHOLD_BYTES) return t;
      // Offsets aligned to 64 bytes, as onnx's own writer does, so the data can be mapped.
      const padding = (64 - (offset % 64)) % 64;
      external ??= [];
      if (padding > 0) external.push(new Uint8Array(padding));
      offset += padding;
      external.push(t.rawData);
      const entry = (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value });
      const moved = create(TensorProtoSchema, {
        name: t.name, dataType: t.dataType, dims: t.dims, dataLocation: TensorProto_DataLocation.EXTERNAL,
        externalData: [entry('location', externalDataFile), entry('offset', String(offset)), entry('length', String(t.rawData.length))],
      });
      offset += t.rawData.length;
      return moved;
    });
    const graph = create(GraphProtoSchema, { name: this.name, node: this.nodes, input: this.inputs, output: this.outputs, initializer: initializers, docString: this.docString });
    const model = create(ModelProtoSchema, {
      irVersion: IR_VERSION,
      producerName: 'ssdcheck',
      producerVersion: '0.1.0',
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: OPSET })],
      graph,
    });
    const bytes = toBinary(ModelProtoSchema, model);
    if (!external) return { model: bytes };
    const data = new Uint8Array(offset);
    let at = 0;
    for (const chunk of external) {
      data.set(chunk, at);
      at += chunk.length;
    }
    return { model: bytes, externalData: { location: externalDataFile!, bytes: data } };
  }

  get bytesOfWeights(): number {
    return this.initializers.reduce((n, t) => n + t.rawData.length, 0);
  }
}


import { TensorProto_DataType } from 'onnx-buf';

/** Element types the project's graphs use, by onnxruntime-node's names. */
export interface DataTypeMap {
  float32: Float32Array;
  float16: Uint16Array; // fp16 bits: Node 20 has no Float16Array
  int64: BigInt64Array;
  bool: Uint8Array;
}
export type DataType = keyof DataTypeMap;

// Must match DataTypeMap.
export const ONNX_TYPE: Readonly<Record<DataType, TensorProto_DataType>> = {
  float32: TensorProto_DataType.FLOAT,
  float16: TensorProto_DataType.FLOAT16,
  int64: TensorProto_DataType.INT64,
  bool: TensorProto_DataType.BOOL,
};

// Must match DataTypeMap.
export const BYTES_PER_ELEMENT: Readonly<Record<DataType, number>> = { float32: 4, float16: 2, int64: 8, bool: 1 };

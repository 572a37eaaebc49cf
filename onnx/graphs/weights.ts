import type { Tensor } from '../../reference/tensor/tensor.js';
import { toFp16Bits } from '../../reference/tensor/precision.js';
import type { GraphBuilder, Value } from '../graph/builder.js';
import type { GraphPrecision } from './ssd-graph.js';

/**
 * Weights as initializers: float32, or float16 widened to float32 right after loading, so the
 * fp16 graph holds fp16-rounded weights and still accumulates in float32 (onnxruntime's cpu
 * provider has few float16 kernels, and mamba_ssm accumulates in float32 too).
 */
export class WeightWriter {
  constructor(private readonly g: GraphBuilder, readonly precision: GraphPrecision) {}

  /** `t` as an initializer named `name`; `transpose` stores a 2-d weight as (in, out) for MatMul. */
  add(name: string, t: Tensor, transpose = false): Value {
    const [rows, cols] = t.shape;
    const dims = transpose ? [cols, rows] : [...t.shape];
    const values = transpose ? transposed(t.data, rows, cols) : t.data;
    if (this.precision === 'fp32') return this.g.initializer(name, 'float32', dims, Float32Array.from(values));
    const stored = this.g.initializer(name, 'float16', dims, Uint16Array.from(values, toFp16Bits));
    return this.g.op('Cast', [stored], { to: 1 }, `${name}.to_fp32`);
  }

  /**
   * An activation as the fp16 graph stores it: rounded to float16 and back (identity in fp32).
   * This is where an fp16 model loses precision between operations.
   */
  activation(v: Value): Value {
    if (this.precision === 'fp32') return v;
    return this.g.op('Cast', [this.g.op('Cast', [v], { to: 10 }, 'store_fp16')], { to: 1 }, 'load_fp16');
  }
}

function transposed(data: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

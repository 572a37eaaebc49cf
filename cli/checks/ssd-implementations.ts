import { InputError } from '../../reference/errors.js';
import { SSD_FORMS, runSsdForm, ssdStep, type SsdForm, type SsdInputs, type SsdOutputs, type SsdStepInputs, type SsdStepOutputs } from '../../reference/ssd/index.js';
import type { Precision } from '../../reference/tensor/precision.js';
import type { GraphPrecision } from '../../onnx/graphs/ssd-graph.js';
import type { ExecutionProvider } from '../../onnx/runtime/providers.js';
import { ssdOnnx, ssdStepOnnx } from '../../onnx/ssd.js';
import { ssdCuda, ssdStepCuda } from '../../kernels/ssd.js';

/** An implementation of the SSD layer that the harness can check. */
export interface SsdImplementation {
  /** `reference`, `onnx-cpu-fp32`, ... */
  readonly name: string;
  readonly forms: readonly SsdForm[];
  /** the precision it stores activations in: what its tolerance follows */
  readonly precision: Precision;
  run(form: SsdForm, inputs: SsdInputs, chunkSize: number): Promise<SsdOutputs>;
  /** one decode step after a run of `form` */
  step(form: SsdForm, inputs: SsdStepInputs, chunkSize: number): Promise<SsdStepOutputs>;
}

export const referenceSsd: SsdImplementation = {
  name: 'reference',
  forms: SSD_FORMS,
  precision: 'fp64',
  run: async (form, inputs, chunkSize) => runSsdForm(form, inputs, chunkSize),
  step: async (_form, inputs) => ssdStep(inputs),
};

/** The ONNX graphs: `chunked` is the `ssd` graph, `quadratic` the `ssd-quadratic` graph. */
export function onnxSsd(provider: ExecutionProvider, precision: GraphPrecision): SsdImplementation {
  const options = (form: SsdForm, chunkSize: number) => {
    if (form === 'recurrent') throw new InputError('--form', 'chunked or quadratic (the ONNX graphs; no graph loops over time)', 'recurrent');
    return { form, chunkSize, precision, provider } as const;
  };
  return {
    name: `onnx-${provider}-${precision}`,
    forms: ['chunked', 'quadratic'],
    precision,
    run: (form, inputs, chunkSize) => ssdOnnx(inputs, options(form, chunkSize)),
    step: (form, inputs, chunkSize) => ssdStepOnnx(inputs, options(form, chunkSize)),
  };
}

const DEVICE_DTYPE = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' } as const;

/** The CUDA kernels: the chunked forward, and the step kernel for the decode step. */
export function cudaSsd(precision: 'fp32' | 'fp16' | 'bf16'): SsdImplementation {
  const dtype = DEVICE_DTYPE[precision];
  return {
    name: `cuda-${precision}`,
    forms: ['chunked'],
    precision,
    run: (_form, inputs, chunkSize) => ssdCuda(inputs, { chunkSize, dtype }),
    step: (_form, inputs) => ssdStepCuda(inputs, { dtype }),
  };
}

import * as ort from 'onnxruntime-node';
import { buildSsdGraph } from './onnx/graphs/ssd-graph.ts';
import { readSsdCase } from './reference/ssd/case-file.ts';
import { difference } from './reference/compare.ts';
import { tensor } from './reference/tensor/tensor.ts';
import { readdirSync } from 'node:fs';
for (const f of readdirSync('properties/fixtures/ssd')) {
  const c = readSsdCase('properties/fixtures/ssd/' + f);
  const [b, l, h, p] = c.inputs.x.shape; const [, , g, n] = c.inputs.B.shape;
  for (const form of ['chunked', 'quadratic'] as const) {
    const graph = buildSsdGraph({ dims: { heads: h, headDim: p, groups: g, stateSize: n }, form, chunkSize: c.chunkSize!, precision: 'fp32' });
    const s = await ort.InferenceSession.create(graph.build().model);
    const f32 = (t: any) => new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
    const lim = c.inputs.timeStepLimit!;
    const out = await s.run({ x: f32(c.inputs.x), dt: f32(c.inputs.dt), A: f32(c.inputs.A), B: f32(c.inputs.B), C: f32(c.inputs.C), D: f32(c.inputs.D), dt_bias: f32(c.inputs.dtBias), initial_state: f32(c.inputs.initialState), dt_limit: new ort.Tensor('float32', Float32Array.from([lim[0], lim[1] === Infinity ? 3.4e38 : lim[1]]), [2]) });
    const e = c.expected.get('f64')!;
    console.log(f, form, difference(tensor(out.y.dims as number[], Float64Array.from(out.y.data as Float32Array)), e.y!).maxRel.toExponential(2), difference(tensor(out.final_state.dims as number[], Float64Array.from(out.final_state.data as Float32Array)), e.finalState!).maxRel.toExponential(2));
  }
}

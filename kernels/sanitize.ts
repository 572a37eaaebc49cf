/**
 * Runs every kernel once on the gate's shapes (the shared SSD fixtures, their decode steps, a
 * conv with tail and bias, both gated norms) in every dtype: the workload the GPU gate runs
 * under compute-sanitizer's memcheck and racecheck.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSsdCase } from '../reference/ssd/case-file.js';
import { ssdChunked } from '../reference/ssd/index.js';
import { SeededRandom } from '../reference/tensor/seeded-random.js';
import { tensor } from '../reference/tensor/tensor.js';
import { requireKernels, toDevice, withDeviceScope } from './device.js';
import type { DeviceDType } from './native.js';
import { ssdCuda, ssdStepCuda } from './ssd.js';

const fixtures = fileURLToPath(new URL('../properties/fixtures/ssd', import.meta.url));
const k = requireKernels();
for (const name of readdirSync(fixtures).filter((f) => f.endsWith('.safetensors'))) {
  const c = readSsdCase(join(fixtures, name));
  for (const dtype of ['float32', 'float16', 'bfloat16'] as DeviceDType[]) {
    await ssdCuda(c.inputs, { chunkSize: c.chunkSize ?? 64, dtype });
    if (c.step) await ssdStepCuda({ ...c.step.inputs, state: ssdChunked(c.inputs, 64).finalState }, { dtype });
  }
}
// The full tile of the tensor-core paths (p = 64, n = 128; the fixtures are smaller), two heads
// of one group, a partial last chunk, a starting state.
const random = new SeededRandom(5);
const [b, l, h, p, n] = [1, 150, 2, 64, 128];
const fullTile = {
  x: tensor([b, l, h, p], random.normals(b * l * h * p)), dt: tensor([b, l, h], random.normals(b * l * h)), // (b, l, h, p), (b, l, h)
  dtBias: tensor([h], random.normals(h, -2, 1)), ALog: tensor([h], random.uniforms(h, -1, 2)), D: tensor([h], random.normals(h, 1, 0.5)), // (h) each
  B: tensor([b, l, 1, n], random.normals(b * l * n)), C: tensor([b, l, 1, n], random.normals(b * l * n)), // (b, l, g, n)
  initialState: tensor([b, h, p, n], random.normals(b * h * p * n)), // (b, h, p, n)
};
for (const dtype of ['float32', 'float16', 'bfloat16'] as DeviceDType[]) await ssdCuda(fullTile, { chunkSize: 64, dtype });
await withDeviceScope((track) => {
  for (const dtype of ['float32', 'float16', 'bfloat16'] as DeviceDType[]) {
    const conv = k.conv({ x: track(k.zeros(dtype, [2, 37, 96])), weight: track(k.zeros('float32', [96, 4])), bias: track(k.zeros('float32', [96])), tail: track(k.zeros('float32', [2, 3, 96])) });
    track(conv.out);
    track(conv.tail);
    for (const groupSize of [8, 64]) track(k.gatedNorm({ y: track(toDevice(k, tensor([5, 64], new Float64Array(320).fill(0.5)), dtype)), z: track(k.zeros(dtype, [5, 64])), weight: track(k.zeros('float32', [64])), groupSize, eps: 1e-5 }));
  }
});
console.log('sanitize workload: done');

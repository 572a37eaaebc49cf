/**
 * `npm run bench:onnx`: the `ssd` graph on onnxruntime execution providers side by side with
 * the float64 reference, medians over repetitions, JSON out. Two sweeps:
 *   small:     b=1, h=8, p=16, g=2, n=16, chunk 64, l = 256..16384;
 *   codestral: Mamba-Codestral-7B's SSD shape (h=128, p=64, g=8, n=128, chunk 256), l = 256..4096.
 * The reference runs where it fits in time (small: l <= 4096; codestral: l = 256).
 * Options: --ep cpu,webgpu (default cpu; an unavailable provider is reported and skipped),
 * --max-length N, --out file.json (default reports/out/bench-onnx.json). A benchmark, not a test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REPORT_DIR } from '../../cli/project-paths.js';
import { runInfo } from '../../cli/run-info.js';
import { formatTable } from '../../cli/table.js';
import { ssdChunked } from '../../reference/ssd/index.js';
import { buildSsdInputs } from '../../properties/arbitraries/ssd-inputs.js';
import { releaseSsdSessions, ssdOnnx } from '../../onnx/ssd.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../onnx/runtime/providers.js';
import { timeAsync } from './timing.js';

const { values } = parseArgs({ options: { ep: { type: 'string', default: 'cpu' }, 'max-length': { type: 'string', default: '16384' }, out: { type: 'string' } } });
const providers = (values.ep ?? 'cpu').split(',') as ExecutionProvider[];
for (const p of providers) if (!EXECUTION_PROVIDERS.includes(p)) throw new Error(`--ep: expected a list of ${EXECUTION_PROVIDERS.join(', ')}, got ${p}`);
const maxLength = Number(values['max-length']);

const SWEEPS = [
  { name: 'small', heads: 8, headDim: 16, groups: 2, stateSize: 16, chunkSize: 64, lengths: [256, 1024, 4096, 16384], referenceUpTo: 4096 },
  { name: 'codestral', heads: 128, headDim: 64, groups: 8, stateSize: 128, chunkSize: 256, lengths: [256, 1024, 4096], referenceUpTo: 256 },
];

interface Row { sweep: string; impl: string; length: number; medianMs: number; p20Ms: number; p80Ms: number; reps: number }
const rows: Row[] = [];
const unavailable: Record<string, string> = {};
for (const sweep of SWEEPS) {
  for (const length of sweep.lengths.filter((l) => l <= maxLength)) {
    const inputs = buildSsdInputs({
      dims: { batch: 1, length, groups: sweep.groups, headsPerGroup: sweep.heads / sweep.groups, headDim: sweep.headDim, stateSize: sweep.stateSize },
      withInitialState: true, withLimit: false, valueSeed: length,
    });
    const record = (impl: string, timing: Omit<Row, 'sweep' | 'impl' | 'length'>) => {
      rows.push({ sweep: sweep.name, impl, length, ...timing });
      process.stderr.write(`  ${sweep.name} ${impl} l=${length}: ${timing.medianMs.toFixed(2)} ms\n`);
    };
    for (const provider of providers) {
      if (unavailable[provider]) continue;
      try {
        const options = { form: 'chunked', chunkSize: sweep.chunkSize, precision: 'fp32', provider } as const;
        record(`onnx-${provider}-fp32`, await timeAsync(() => ssdOnnx(inputs, options), { minReps: 3, budgetMs: 2000 }));
      } catch (error) {
        unavailable[provider] = (error as Error).message;
        process.stderr.write(`  ${provider}: unavailable: ${(error as Error).message}\n`);
      }
    }
    if (length <= sweep.referenceUpTo) record('reference-chunked', await timeAsync(async () => ssdChunked(inputs, sweep.chunkSize), { minReps: 2, budgetMs: 1000 }));
  }
  await releaseSsdSessions();
}

const impls = [...new Set(rows.map((r) => r.impl))];
for (const sweep of SWEEPS) {
  const lengths = [...new Set(rows.filter((r) => r.sweep === sweep.name).map((r) => r.length))];
  console.log(`\n${sweep.name}: h=${sweep.heads} p=${sweep.headDim} g=${sweep.groups} n=${sweep.stateSize} chunk ${sweep.chunkSize}, batch 1; median ms`);
  console.log(formatTable(['l', ...impls], lengths.map((l) => [String(l), ...impls.map((impl) => rows.find((r) => r.sweep === sweep.name && r.impl === impl && r.length === l)?.medianMs.toFixed(2) ?? '-')])));
}
for (const [provider, reason] of Object.entries(unavailable)) console.log(`${provider}: not measured: ${reason}`);
const out = resolve(values.out ?? join(DEFAULT_REPORT_DIR, 'bench-onnx.json'));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ benchmark: 'onnx-ssd', sweeps: SWEEPS, run: runInfo(), unavailable, rows }, null, 2) + '\n');
console.log(`JSON: ${out}`);

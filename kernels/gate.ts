/**
 * `npm run gate:gpu`: the GPU gate. Runs the CUDA properties (which may not skip here), the
 * shared SSD fixtures through the kernels in fp32, fp16 and bf16, and compute-sanitizer's
 * memcheck and racecheck on the gate's shapes; writes reports/gpu/verify.json (GPU, driver,
 * CUDA, commit, date, seed, counts, max errors, sanitizer summaries, kernel sources hash).
 * Exit 0 when all of it passes, 1 otherwise, 2 without a CUDA device.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkSsdCase } from '../cli/checks/ssd-case.js';
import { cudaSsd } from '../cli/checks/ssd-implementations.js';
import { runInfo } from '../cli/run-info.js';
import { readSsdCase } from '../reference/ssd/case-file.js';
import { cudaStatus } from './native.js';
import { kernelSourcesHash } from './sources-hash.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(root, 'reports', 'gpu', 'verify.json'));
const status = cudaStatus();
if (!status.available) {
  console.error(`gate:gpu: no GPU to gate on: ${status.reason}`);
  process.exit(2);
}
// The NVIDIA driver's own version (cudaDriverGetVersion gives only the CUDA API level).
const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf-8' });
const nvidiaSmi = smi.status === 0 ? smi.stdout.trim() : `nvidia-smi unavailable (${smi.error?.message ?? smi.status})`;
const seed = process.env.SSDCHECK_SEED ?? String((Math.random() * 2 ** 31) | 0);
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

console.log(`gate:gpu: properties on ${status.device!.name} (seed ${seed})`);
const tests = spawnSync(process.execPath, [join(root, 'properties', 'run-tests.mjs'), 'properties/cuda-'], { cwd: root, encoding: 'utf-8', env: { ...process.env, SSDCHECK_SEED: seed, SSDCHECK_REQUIRE_CUDA: '1' } });
process.stdout.write(tests.stdout.split('\n').filter((l) => /✓|×|passed|failed/.test(l)).join('\n') + '\n');
const counts = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m.exec(tests.stdout);

const fixtures = join(root, 'properties', 'fixtures', 'ssd');
const fixtureRows: { case: string; precision: string; output: string; maxRel: number; tolerance: number; pass: boolean }[] = [];
for (const name of readdirSync(fixtures).filter((f) => f.endsWith('.safetensors')).sort()) {
  const c = readSsdCase(join(fixtures, name));
  for (const precision of ['fp32', 'fp16', 'bf16'] as const) {
    const result = await checkSsdCase(c, cudaSsd(precision), { forms: ['chunked'], chunkSize: c.chunkSize ?? 64, timeStepLimit: c.inputs.timeStepLimit ?? [0, Infinity] });
    for (const r of result.results.filter((x) => x.against === 'f64')) fixtureRows.push({ case: c.name, precision, output: r.output, maxRel: r.maxRel, tolerance: r.tolerance, pass: r.pass });
  }
}
const maxErrors = Object.fromEntries((['fp32', 'fp16', 'bf16'] as const).map((p) => [p, Math.max(...fixtureRows.filter((r) => r.precision === p).map((r) => r.maxRel))]));

const sanitizerBin = [process.env.CUDA_HOME ?? '/usr/local/cuda'].map((d) => join(d, 'bin', 'compute-sanitizer')).find(existsSync);
const sanitizer: Record<string, string> = {};
for (const tool of ['memcheck', 'racecheck']) {
  if (!sanitizerBin) {
    sanitizer[tool] = 'not run: compute-sanitizer not found';
    continue;
  }
  const run = spawnSync(sanitizerBin, ['--tool', tool, '--target-processes', 'all', process.execPath, tsx, join(root, 'kernels', 'sanitize.ts')], { cwd: root, encoding: 'utf-8' });
  const summary = /ERROR SUMMARY: .*|RACECHECK SUMMARY: .*/.exec(run.stdout + run.stderr)?.[0] ?? `no summary (exit ${run.status}): ${(run.stderr || run.stdout).slice(-300)}`;
  sanitizer[tool] = summary;
  console.log(`gate:gpu: compute-sanitizer ${tool}: ${summary}`);
}
const sanitizerClean = Object.values(sanitizer).every((s) => /: 0 (errors|hazards)/.test(s));
// Skips cannot hide a failure here: SSDCHECK_REQUIRE_CUDA=1 turns a missing device into a
// failure, so the only skipped cases are the ones for machines without a device.
const passed = counts !== null && Number(counts[1]) > 0 && Number(counts[2]) === 0 && fixtureRows.every((r) => r.pass) && sanitizerClean;
const report = {
  gate: 'gpu', passed, run: runInfo(), device: status.device, nvidiaSmi, seed,
  tests: counts ? { passed: Number(counts[1]), failed: Number(counts[2]), skipped: Number(counts[3] ?? 0) } : { error: tests.stdout.slice(-500) + tests.stderr.slice(-500) },
  fixtures: fixtureRows, maxErrors, sanitizer, sourcesHash: kernelSourcesHash(),
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(`gate:gpu: ${passed ? 'PASS' : 'FAIL'}; max errors ${JSON.stringify(maxErrors)}; report ${out}`);
process.exit(passed ? 0 : 1);

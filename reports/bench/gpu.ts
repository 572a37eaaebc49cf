/**
 * `npm run bench:gpu`: the CUDA kernels' device time (CUDA events, warm-up, L2 flushed before
 * every repetition, median with p20/p80) and the JavaScript end-to-end call beside it, for the
 * Codestral-7B and Mamba2-2.7B SSD shapes: lengths 512..65536 at batch 1, a constant-token
 * sweep (batch x length = 65536), bf16/fp16/fp32, and the decode step at batch 1..256. In the
 * same run, when torch and triton import and the anchors are there (--anchors, default
 * .anchors/, a copy of shared/anchors), mamba_ssm's Triton kernels on the same shapes through
 * its bench_mamba_ssm.py. Rows carry ms, TFLOP/s and TB/s from the same explicit flop and byte
 * counts as that script. A --budget-s bounds the sweep: a length whose predicted time exceeds
 * what is left is recorded as skipped, with the reason. A benchmark, not a test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runInfo } from '../../cli/run-info.js';
import { formatTable } from '../../cli/table.js';
import { requireKernels } from '../../kernels/device.js';
import { summarise } from './timing.js';
import { cudaStatus, type ChunkedKernel, type DeviceDType, type DeviceTensor } from '../../kernels/native.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'codestral-7b,mamba2-2.7b' },
    lengths: { type: 'string', default: '512,1024,2048,4096,8192,16384,32768,65536' },
    dtypes: { type: 'string', default: 'bf16,fp16,fp32' },
    'decode-batches': { type: 'string', default: '1,8,64,256' },
    'budget-s': { type: 'string', default: '240' },
    anchors: { type: 'string', default: join(root, '.anchors') },
    out: { type: 'string', default: join(root, 'reports', 'out', 'bench-gpu.json') },
  },
});
const MODELS: Record<string, { heads: number; headDim: number; groups: number; stateSize: number; chunk: number }> = {
  'codestral-7b': { heads: 128, headDim: 64, groups: 8, stateSize: 128, chunk: 256 },
  'mamba2-2.7b': { heads: 80, headDim: 64, groups: 1, stateSize: 128, chunk: 256 },
};
const DTYPE: Record<string, DeviceDType> = { bf16: 'bfloat16', fp16: 'float16', fp32: 'float32' };
const models = values.models!.split(',');
for (const m of models) if (!MODELS[m]) throw new Error(`--models: expected names from ${Object.keys(MODELS).join(', ')}, got ${m}`);
const lengths = values.lengths!.split(',').map(Number);
const dtypes = values.dtypes!.split(',');
for (const d of dtypes) if (!DTYPE[d]) throw new Error(`--dtypes: expected bf16, fp16, fp32, got ${d}`);
const deadline = performance.now() + Number(values['budget-s']) * 1000;
const status = cudaStatus();
if (!status.available) {
  console.error(`bench:gpu: no GPU to benchmark on: ${status.reason}`);
  process.exit(2);
}
const k = requireKernels();

const stats = (ms: number[]) => {
  const t = summarise([...ms]);
  return { ms: t.medianMs, p20: t.p20Ms, p80: t.p80Ms, reps: t.reps };
};

/**
 * The whole JavaScript call's median ms over `calls` timed calls, after three untimed ones (the
 * thread comes back from the device timing's waits; 10 cold calls read up to 16 us high).
 * `release` frees what a call made, outside the timing.
 */
function callMedianMs<T>(calls: number, call: () => T, release: (out: T) => void): number {
  const ms: number[] = [];
  for (let i = -3; i < calls; i++) {
    const t0 = performance.now();
    const out = call();
    if (i >= 0) ms.push(performance.now() - t0);
    release(out);
  }
  return stats(ms).ms;
}

/** A maker of device tensors filled on the device, each recorded in `owned` for freeing. */
function filledTensors(owned: DeviceTensor[]) {
  return (d: DeviceDType, shape: number[], seed: number, lo: number, hi: number): DeviceTensor => {
    const t = k.zeros(d, shape);
    owned.push(t);
    k.fillUniform(t, seed, lo, hi);
    return t;
  };
}

interface Row { impl: string; kernel?: string; op: string; model: string; batch: number; seqlen?: number; dtype: string; ms?: number; p20?: number; p80?: number; reps?: number; hostMs?: number; flops?: number; io_bytes?: number; TFLOPs?: number; TBps?: number; copyMs?: number; copyTBps?: number; skipped?: string }
const rows: Row[] = [];

function forward(model: string, batch: number, length: number, dtypeName: string, predictedMs: number): number | undefined {
  const { heads: h, headDim: p, groups: g, stateSize: n, chunk: q } = MODELS[model];
  const base = { impl: 'ssdcheck-cuda', op: 'ssd_forward', model, batch, seqlen: length, dtype: dtypeName };
  if (performance.now() + predictedMs * 5 > deadline) {
    const why = Number.isFinite(predictedMs) && predictedMs > 0 ? `predicted ${(predictedMs / 1000).toFixed(1)} s a call, over what is left of` : 'spent';
    rows.push({ ...base, skipped: `the benchmark's time budget (--budget-s) is ${why}` });
    return undefined;
  }
  const dtype = DTYPE[dtypeName];
  const owned: DeviceTensor[] = [];
  const make = filledTensors(owned);
  try {
    const scale = Math.sqrt(3 / n);
    const args = {
      x: make(dtype, [batch, length, h, p], 1, -1.7, 1.7), B: make(dtype, [batch, length, g, n], 2, -scale, scale), C: make(dtype, [batch, length, g, n], 3, -scale, scale),
      dt: make('float32', [batch, length, h], 4, -3, -1), A: make('float32', [h], 5, -7, -1), D: make('float32', [h], 6, 0, 2), dtBias: make('float32', [h], 7, -0.2, 0.2), chunkSize: q,
    };
    const es = dtype === 'float32' ? 4 : 2;
    const io = batch * length * (2 * h * p * es + 2 * g * n * es + h * 4);
    const flops = 2 * batch * length * (q * g * n + q * h * p + 2 * h * p * n);
    // The default kernel and, when that is not kernel3, kernel3 beside it on the same inputs:
    // the variant kernel4 replaces. Returns the device time and the kernel that ran.
    const time = (kernel: ChunkedKernel, impl: string) => {
      const named = { ...args, kernel };
      const first = k.timeSsdChunked(named, { warmup: 1, reps: 1 })[0];
      const reps = Math.max(3, Math.min(20, Math.floor(2000 / Math.max(first, 1e-3))));
      const device = stats(k.timeSsdChunked(named, { warmup: 0, reps }));
      // The whole JavaScript call: 50 calls where they take under 20 ms, 10 past that.
      let ran = '';
      const hostMs = callMedianMs(first < 20 ? 50 : 10, () => k.ssdChunked(named), (out) => {
        ran = out.kernel;
        out.y.free();
        out.finalState.free();
      });
      rows.push({ ...base, impl, kernel: ran, ...device, hostMs, flops, io_bytes: io, TFLOPs: flops / device.ms / 1e9, TBps: io / device.ms / 1e9 });
      process.stderr.write(`  ${impl} ${model} ${dtypeName} b=${batch} l=${length}: ${device.ms.toFixed(3)} ms device, ${hostMs.toFixed(3)} ms from JavaScript\n`);
      return { device, ran };
    };
    const { device, ran } = time('auto', 'ssdcheck-cuda');
    if (ran !== 'kernel3') {
      try {
        time('kernel3', 'ssdcheck-cuda-kernel3');
      } catch (error) {
        if (!/^kernel: /.test((error as Error).message)) throw error;  // kernel3 does not take this shape
      }
    }
    return device.ms;
  } finally {
    for (const t of owned) t.free();
  }
}

function decode(model: string, batch: number) {
  const { heads: h, headDim: p, groups: g, stateSize: n } = MODELS[model];
  const owned: DeviceTensor[] = [];
  const make = filledTensors(owned);
  try {
    const args = {
      state: make('float32', [batch, h, p, n], 1, -1, 1), x: make('bfloat16', [batch, h, p], 2, -1, 1), B: make('bfloat16', [batch, g, n], 3, -0.1, 0.1), C: make('bfloat16', [batch, g, n], 4, -0.1, 0.1),
      dt: make('float32', [batch, h], 5, -3, -1), A: make('float32', [h], 6, -7, -1), D: make('float32', [h], 7, 0, 2), dtBias: make('float32', [h], 8, -0.2, 0.2),
    };
    const device = stats(k.timeSsdStep(args, { warmup: 10, reps: 100 }));
    const hostMs = callMedianMs(50, () => k.ssdStep(args).free(), () => {});
    const io = 2 * batch * h * p * n * 4;
    // The ceiling in the same harness: a device copy of the state's bytes (read once, written
    // once, as the step does), beside the anchor's 2 GiB copy roof.
    const to = k.zeros('float32', [batch, h, p, n]);  // (b, h, p, n) the copy's destination: its contents do not matter
    owned.push(to);
    const copy = k.timeCopy({ from: args.state, to }, { warmup: 10, reps: 100 });
    const copyMs = stats(copy).ms;
    rows.push({ impl: 'ssdcheck-cuda', op: 'decode_step', model, batch, dtype: 'bf16-in/fp32-state', ...device, hostMs, io_bytes: io, TBps: io / device.ms / 1e9, copyMs, copyTBps: io / copyMs / 1e9 });
    process.stderr.write(`  ${model} decode b=${batch}: ${device.ms.toFixed(4)} ms device; a copy of the same bytes ${copyMs.toFixed(4)} ms\n`);
  } finally {
    for (const t of owned) t.free();
  }
}

for (const model of models) {
  for (const dtype of dtypes) {
    let last: number | undefined = 0;
    for (const length of lengths) last = forward(model, 1, length, dtype, last === undefined ? Infinity : last * 2);
    // Constant tokens: batch x length = 65536.
    let lastConst: number | undefined = 0;
    for (const batch of [4, 16, 64]) lastConst = forward(model, batch, 65536 / batch, dtype, lastConst === undefined ? Infinity : lastConst);
  }
  for (const batch of values['decode-batches']!.split(',').map(Number)) decode(model, batch);
}

// mamba_ssm's Triton kernels on the same shapes, in the same job.
let anchor: { available: boolean; reason?: string; header?: Record<string, unknown> } = { available: false, reason: 'not tried' };
const script = join(resolve(values.anchors!), 'bench_mamba_ssm.py');
if (!existsSync(script)) {
  anchor = { available: false, reason: `${script} not found (copy shared/anchors to .anchors/)` };
} else {
  const probe = spawnSync('python3', ['-c', 'import torch, triton, einops'], { encoding: 'utf-8' });
  if (probe.status !== 0) {
    anchor = { available: false, reason: `torch/triton/einops do not import: ${probe.stderr.trim().split('\n').slice(-1)[0]}` };
  } else {
    const run = spawnSync('python3', [script, '--models', models.join(','), '--lengths', lengths.join(','), '--dtypes', dtypes.join(','), '--decode-batches', values['decode-batches']!], { encoding: 'utf-8', timeout: 400_000 });
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    anchor = { available: run.status === 0, reason: run.status === 0 ? undefined : `exit ${run.status}: ${run.stderr.slice(-400)}`, header: lines[0] };
    for (const line of lines.slice(1)) rows.push({ ...(line as unknown as Row), impl: 'mamba_ssm-triton' });
  }
}

const ours = rows.filter((r) => r.impl === 'ssdcheck-cuda' && r.op === 'ssd_forward' && r.batch === 1);
const triton = (r: Row) => rows.find((x) => x.impl === 'mamba_ssm-triton' && x.op === r.op && x.model === r.model && x.seqlen === r.seqlen && x.dtype === r.dtype && x.batch === r.batch);
console.log(formatTable(['model', 'dtype', 'l', 'ours ms', 'from JS ms', 'triton ms', 'speed-up'], ours.map((r) => {
  const t = triton(r);
  return [r.model, r.dtype, String(r.seqlen), r.ms?.toFixed(3) ?? `skipped`, r.hostMs?.toFixed(3) ?? '', t?.ms !== undefined ? Number(t.ms).toFixed(3) : '-', r.ms && t?.ms ? `${(Number(t.ms) / r.ms).toFixed(2)}x` : ''];
})));
const roof = (anchor.header as { TBps?: number } | undefined)?.TBps;
const steps = rows.filter((r) => r.impl === 'ssdcheck-cuda' && r.op === 'decode_step');
console.log(formatTable(['model', 'batch', 'ours us', 'TB/s', 'copy, same bytes', 'share', 'of the 2 GiB roof', 'triton us'], steps.map((r) => {
  const t = triton(r);
  return [r.model, String(r.batch), (r.ms! * 1000).toFixed(1), r.TBps!.toFixed(2), r.copyTBps !== undefined ? `${r.copyTBps.toFixed(2)} TB/s` : '-', r.copyTBps ? `${((100 * r.TBps!) / r.copyTBps).toFixed(1)}%` : '', roof ? `${((100 * r.TBps!) / roof).toFixed(1)}%` : '-', t?.ms !== undefined ? (Number(t.ms) * 1000).toFixed(1) : '-'];
})));
const out = resolve(values.out!);
mkdirSync(dirname(out), { recursive: true });
const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf-8' });
// Which kernel variants ran: they change by issue 6's work; kernels/dev/ keeps the losers.
const KERNELS = {
  forward: 'ssd_chunked kernel4 (mma.sync, bf16 chunk outputs on wgmma, products in registers, C B^T once per group: bf16 with p, n in 8s, fp32 on 3xTF32 with p, n in 4s, fp16 widened to fp32 there, up to 64, 128); kernel3 (WMMA TF32) for other tile shapes; kernel2 past p 64, n 128. Rows ssdcheck-cuda-kernel3: kernel3 on the same inputs in the same run',
  step: 'ssd_step kernel4 (16 warps of 4 state rows a block, every load in flight before any store, float4, no shared staging, 2 blocks an SM)',
};
writeFileSync(out, JSON.stringify({ benchmark: 'gpu', kernels: KERNELS, run: runInfo(), device: k.deviceInfo(), nvidiaSmi: smi.stdout?.trim(), anchor, models: MODELS, rows }, null, 2) + '\n');
console.log(`JSON: ${out}`);

import { readFileSync } from 'node:fs';
import { InputError } from '../../reference/errors.js';

/** One timing, whichever benchmark wrote it: a point of one chart's trace. */
export interface PerfPoint {
  /** the chart (sweep) it belongs to, e.g. `forward codestral-7b bf16` */
  readonly sweep: string;
  readonly impl: string;
  /** length, or batch for the decode step and the constant-token sweep */
  readonly x: number;
  readonly ms: number;
  readonly p20?: number;
  readonly p80?: number;
  /** the whole JavaScript call, where measured */
  readonly hostMs?: number;
  readonly flops?: number;
  readonly bytes?: number;
  /** the commit of the run that measured it (bench:gpu) */
  readonly run?: string;
}

/** Where the points came from, for the page's title lines. */
export interface PerfSource {
  readonly file: string;
  readonly benchmark: string;
  readonly describe: string;
}

export interface PerfInputs {
  readonly points: readonly PerfPoint[];
  readonly sources: readonly PerfSource[];
  /** measured ceilings: copy bandwidth (TB/s) and matrix throughput (TFLOP/s) per dtype */
  readonly copyTBps?: number;
  readonly matmulTFLOPs: Record<string, number>;
  readonly gpu?: string;
}

interface GpuRow { impl: string; op: string; model: string; batch: number; seqlen?: number; dtype: string; ms: number; p20?: number; p80?: number; hostMs?: number; flops?: number; io_bytes?: number; copyMs?: number }
interface OnnxRow { sweep: string; impl: string; length: number; medianMs: number; p20Ms: number; p80Ms: number }

const ONNX_SWEEP_MODEL: Record<string, string> = { codestral: 'codestral-7b' };

/**
 * Reads benchmark JSON files (`bench:gpu`, `bench:onnx`, the roofs script) into chart points.
 * A file of another kind is an error naming it.
 */
export function readPerfInputs(files: readonly string[]): PerfInputs {
  const points: PerfPoint[] = [];
  const sources: PerfSource[] = [];
  const matmulTFLOPs: Record<string, number> = {};
  let copyTBps: number | undefined;
  let gpu: string | undefined;
  for (const file of files) {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(readFileSync(file, 'utf-8'));
    } catch (error) {
      throw new InputError('--input', 'benchmark JSON files (bench:gpu, bench:onnx, roofs)', `${file}: ${(error as Error).message}`);
    }
    const run = data.run as { commit?: string; date?: string; node?: string } | undefined;
    const stamp = run ? `commit ${String(run.commit).slice(0, 12)}, ${run.date}` : '';
    if (data.benchmark === 'gpu') {
      const smi = String(data.nvidiaSmi ?? '').split(',').map((s) => s.trim());
      gpu ??= smi[0] ? `${smi[0]} (driver ${smi[1]})` : undefined;
      const anchor = (data.anchor as { header?: { TBps?: number; torch?: string } } | undefined)?.header;
      if (anchor?.TBps) copyTBps ??= anchor.TBps;
      sources.push({ file, benchmark: 'bench:gpu', describe: `bench:gpu on ${smi.join(', ')}; ${stamp}; node ${run?.node}; torch ${anchor?.torch ?? 'absent'}; kernels: ${JSON.stringify(data.kernels)}` });
      for (const r of data.rows as GpuRow[]) {
        const base = { impl: r.impl, ms: r.ms, p20: r.p20, p80: r.p80, hostMs: r.hostMs, flops: r.flops, bytes: r.io_bytes, run: String(run?.commit ?? file).slice(0, 7) };
        if (r.op === 'decode_step') {
          points.push({ ...base, sweep: `decode ${r.model}`, x: r.batch });
          // The run's copy of the state's bytes in the same harness: the ceiling at that size.
          if (r.copyMs !== undefined) points.push({ impl: 'device copy, same bytes', ms: r.copyMs, bytes: r.io_bytes, run: base.run, sweep: `decode ${r.model}`, x: r.batch });
        }
        else if (r.batch === 1) points.push({ ...base, sweep: `forward ${r.model} ${r.dtype}`, x: r.seqlen! });
        else points.push({ ...base, sweep: `forward ${r.model} ${r.dtype} constant tokens`, x: r.batch });
      }
    } else if (data.benchmark === 'onnx-ssd') {
      sources.push({ file, benchmark: 'bench:onnx', describe: `bench:onnx; ${stamp}; node ${run?.node}` });
      for (const r of data.rows as OnnxRow[]) {
        const dtype = /fp16$/.test(r.impl) ? 'fp16' : 'fp32';
        const model = ONNX_SWEEP_MODEL[r.sweep] ?? `onnx-${r.sweep}-shape`;
        points.push({ sweep: `forward ${model} ${dtype}`, impl: r.impl, x: r.length, ms: r.medianMs, p20: r.p20Ms, p80: r.p80Ms });
      }
    } else if (data.benchmark === 'roofs') {
      const roofs = data as { copyTBps: number; matmulTFLOPs: Record<string, number>; gpu: string; torch: string };
      copyTBps ??= roofs.copyTBps; // a bench:gpu run's own copy ceiling, measured beside its timings, comes first
      Object.assign(matmulTFLOPs, roofs.matmulTFLOPs);
      sources.push({ file, benchmark: 'roofs', describe: `ceilings measured with torch ${roofs.torch} on ${roofs.gpu}: copy ${roofs.copyTBps.toFixed(2)} TB/s, matmul ${Object.entries(roofs.matmulTFLOPs).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} TFLOP/s` });
    } else {
      throw new InputError('--input', 'benchmark JSON with "benchmark": "gpu", "onnx-ssd" or "roofs"', `${file}: ${JSON.stringify(data.benchmark)}`);
    }
  }
  // Several bench:gpu runs (reports/perf/*.json): each run's implementations are traces of their
  // own; ONNX and reference rows on a GPU sweep's shape take its flop and byte counts.
  const runs = new Set(points.map((p) => p.run).filter(Boolean));
  const counts = new Map(points.filter((p) => p.flops).map((p) => [`${p.sweep}|${p.x}`, p]));
  const named = points.map((p) => {
    const known = p.flops ? undefined : counts.get(`${p.sweep}|${p.x}`);
    return { ...p, impl: runs.size > 1 && p.run ? `${p.impl} @${p.run}` : p.impl, ...(known && { flops: known.flops, bytes: known.bytes }) };
  });
  return { points: named, sources, copyTBps, matmulTFLOPs, gpu };
}

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../reference/errors.js';
import { choice, nonNegativeInteger, positiveInteger, stringOption, type Command, type OptionValues } from '../args.js';
import { DEFAULT_REPORT_DIR, PROJECT_ROOT } from '../project-paths.js';
import { runInfo } from '../run-info.js';
import { DEFAULT_DRIFT, DRIFT_IMPLS, measureDrift, type DriftReport } from '../../reports/drift/measure.js';
import { driftPage } from '../../reports/drift/charts.js';
import { readPerfInputs } from '../../reports/perf-report/rows.js';
import { perfPage } from '../../reports/perf-report/charts.js';
import { writeIndexPage } from '../../reports/render/index-page.js';
import { writeReport, type WrittenReport } from '../../reports/render/write-report.js';

const KINDS = ['drift', 'perf', 'index'] as const;

function integers(argument: string, text: string | undefined, fallback: readonly number[]): number[] {
  if (text === undefined) return [...fallback];
  return text.split(',').map((v) => positiveInteger(argument, v));
}

function announce(kind: string, written: WrittenReport): void {
  console.log(`report ${kind}: ${written.html}`);
  console.log(`report ${kind}: ${written.json}`);
  if (written.pngs.length > 0) console.log(`report ${kind}: ${written.pngs.length} PNG charts in the same folder`);
  else console.log(`report ${kind}: ${written.pngSkipped}`);
  // Reports in reports/ (committed) are listed by reports/index.html, those in reports/out/
  // (local runs) by reports/out/index.html; elsewhere no index is written.
  const parent = resolve(written.html, '..', '..');
  const reportsDir = join(PROJECT_ROOT, 'reports');
  if (parent === reportsDir || parent === DEFAULT_REPORT_DIR) console.log(`report ${kind}: index ${writeIndexPage(parent)}`);
}

async function drift(values: OptionValues): Promise<number> {
  const impls = (stringOption(values, 'impl') ?? DRIFT_IMPLS.join(',')).split(',').map((n) => choice('--impl', n.trim(), DRIFT_IMPLS));
  const input = stringOption(values, 'from');
  const report: DriftReport = input
    ? (JSON.parse(readFileSync(input, 'utf-8')) as DriftReport)
    : await measureDrift({
        ...DEFAULT_DRIFT,
        impls,
        lengths: integers('--lengths', stringOption(values, 'lengths'), DEFAULT_DRIFT.lengths),
        chunkSizes: integers('--chunk-sizes', stringOption(values, 'chunk-sizes'), DEFAULT_DRIFT.chunkSizes),
        tokens: positiveInteger('--tokens', stringOption(values, 'tokens') ?? String(DEFAULT_DRIFT.tokens)),
        seed: nonNegativeInteger('--seed', stringOption(values, 'seed') ?? '0'),
        checkpoint: stringOption(values, 'checkpoint') ?? DEFAULT_DRIFT.checkpoint,
      });
  if (input && report.kind !== 'drift') throw new InputError('--from', 'a drift report.json', `${input}: kind ${JSON.stringify(report.kind)}`);
  const out = resolve(stringOption(values, 'out') ?? join(DEFAULT_REPORT_DIR, 'drift'));
  announce('drift', await writeReport(out, driftPage(report), report));
  const worse = report.ssd.filter((r) => r.worse.y || r.worse.state);
  console.log(`report drift: ${report.ssd.length} SSD points, ${worse.length} worse than the naive baseline${worse.length ? ': ' + worse.slice(0, 5).map((r) => `${r.impl} ${r.dtype} l=${r.length} q=${r.chunk}`).join('; ') : ''}; ${report.skipped.length} (impl, dtype) pairs not run here`);
  return worse.length > 0 ? 1 : 0;
}

async function perf(positionals: string[], values: OptionValues): Promise<number> {
  const given = values.input;
  const files = [...(Array.isArray(given) ? given : given ? [given] : []), ...positionals].map(String);
  if (files.length === 0) throw new InputError('--input', 'one or more benchmark JSON files (e.g. --input reports/perf/*.json)', 'none');
  const inputs = readPerfInputs(files);
  if (inputs.points.length === 0) throw new InputError('--input', 'files with timings', `${files.length} files without rows`);
  const run = runInfo();
  const out = resolve(stringOption(values, 'out') ?? join(DEFAULT_REPORT_DIR, 'perf'));
  announce('perf', await writeReport(out, perfPage(inputs, run), { kind: 'perf', title: 'ssdcheck kernel performance', run, gpu: inputs.gpu, copyTBps: inputs.copyTBps, matmulTFLOPs: inputs.matmulTFLOPs, sources: inputs.sources, points: inputs.points }));
  return 0;
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'write a precision-drift or kernel performance report (HTML, PNG charts, JSON)',
  usage: `ssdcheck report drift [--impl reference,onnx,cuda] [--out dir] [options]
ssdcheck report perf --input reports/perf/*.json [--out dir]
ssdcheck report index

drift: sweeps the SSD layer (fp32, fp16, bf16; lengths 16..16384 on a log2 grid, with and
without an initial state; chunk sizes 16..256 at 4096 tokens) and the tiny model (prompt logits,
and the step at which 256 greedy tokens first differ from float64) for each implementation:
reference (float64 emulating the dtype by rounding: the naive baseline), onnx (cpu; fp32 and
fp16 graphs), cuda (the kernels; needs a CUDA device). Measures max and mean |impl - f64| /
max |f64| for y and the final state, and the divergences between the semantics modes. Points
where an implementation is worse than the naive same-precision baseline are red.
  --lengths a,b,...      default 16,32,...,16384
  --chunk-sizes a,b,...  default 16,32,64,128,256
  --tokens N             greedy tokens per model run (default 256)
  --seed N               input seed (default 0)
  --checkpoint DIR       the tiny model (default the bundled tiny-codestral)
  --from report.json     render an earlier drift report again instead of measuring

perf: charts from benchmark JSON (npm run bench:gpu, bench:onnx, and reports/bench/roofs.py):
one per sweep with length on a log2 axis, a trace per implementation (median with a
p20..p80 band), TFLOP/s or TB/s against the measured matrix and copy ceilings, the decode step
against batch, and the speed-up over mamba_ssm per length.

Both write <out>/index.html (self-contained: plotly inlined, opens from disk), a PNG per chart
(headless Chromium through playwright-core; without Chromium the command says what to install)
and <out>/report.json; then the index page of the folder above. Default --out reports/out/<kind>.
index: rewrites reports/index.html from the committed report folders.

Exit code: 0; 1 when a drift point is worse than the baseline; 2 on bad input.`,
  options: {
    impl: { type: 'string' },
    out: { type: 'string' },
    input: { type: 'string', multiple: true },
    lengths: { type: 'string' },
    'chunk-sizes': { type: 'string' },
    tokens: { type: 'string' },
    seed: { type: 'string' },
    checkpoint: { type: 'string' },
    from: { type: 'string' },
  },
  async run(positionals, values) {
    const [kindText, ...rest] = positionals;
    const kind = choice('report kind', kindText ?? '', KINDS);
    if (kind === 'drift') return drift(values);
    if (kind === 'perf') return perf(rest, values);
    console.log(`report index: ${writeIndexPage(join(PROJECT_ROOT, 'reports'))}`);
    return 0;
  },
};

/**
 * `npm run bench:reference`: times the three float64 SSD forms side by side at l = 64..4096
 * (b=1, h=8, p=16, g=2, n=16, chunk 64) and prints how each grows when l doubles: about 4x for
 * the quadratic form, 2x for the recurrent and chunked ones. Then one mixer layer of
 * Mamba-Codestral-7B's shape at l = 256 (the model issue asks for under a minute).
 * Writes JSON (default reports/out/bench-reference.json, or --out). A benchmark, not a test.
 * --max-length N shortens the sweep; --skip-codestral leaves out the layer (~1 min).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REPORT_DIR } from '../../cli/project-paths.js';
import { runInfo } from '../../cli/run-info.js';
import { formatTable } from '../../cli/table.js';
import { SSD_FORMS, runSsdForm } from '../../reference/ssd/index.js';
import { buildSsdInputs } from '../../properties/arbitraries/ssd-inputs.js';
import { codestralMixer } from './codestral-layer.js';
import { time } from './timing.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, 'max-length': { type: 'string', default: '4096' }, 'skip-codestral': { type: 'boolean' } } });
const maxLength = Number(values['max-length']);
const SHAPE = { batch: 1, heads: 8, headDim: 16, groups: 2, stateSize: 16, chunkSize: 64 };
const lengths: number[] = [];
for (let l = 64; l <= maxLength; l *= 2) lengths.push(l);

const rows: { form: string; length: number; medianMs: number; p20Ms: number; p80Ms: number; reps: number }[] = [];
for (const length of lengths) {
  const inputs = buildSsdInputs({
    dims: { batch: SHAPE.batch, length, groups: SHAPE.groups, headsPerGroup: SHAPE.heads / SHAPE.groups, headDim: SHAPE.headDim, stateSize: SHAPE.stateSize },
    withInitialState: true,
    withLimit: false,
    valueSeed: length,
  });
  for (const form of SSD_FORMS) {
    const timing = time(() => runSsdForm(form, inputs, SHAPE.chunkSize));
    rows.push({ form, length, ...timing });
    process.stderr.write(`  ${form} l=${length}: ${timing.medianMs.toFixed(2)} ms\n`);
  }
}

const growth = (form: string, length: number, ms: number) => {
  const previous = rows.find((r) => r.form === form && r.length === length / 2);
  return previous ? `${(ms / previous.medianMs).toFixed(2)}x` : '';
};
console.log(`float64 reference SSD, b=${SHAPE.batch} h=${SHAPE.heads} p=${SHAPE.headDim} g=${SHAPE.groups} n=${SHAPE.stateSize}, chunk ${SHAPE.chunkSize}; median ms (growth when l doubles)`);
console.log(formatTable(
  ['l', ...SSD_FORMS.flatMap((f) => [f, 'growth'])],
  lengths.map((l) => [String(l), ...SSD_FORMS.flatMap((f) => {
    const r = rows.find((x) => x.form === f && x.length === l)!;
    return [r.medianMs.toFixed(2), growth(f, l, r.medianMs)];
  })]),
));
let codestralLayer: { length: number; medianMs: number; reps: number; setupMs: number; withinMinute: boolean } | undefined;
if (!values['skip-codestral']) {
  const length = 256;
  process.stderr.write('  building a random Codestral-shape layer (d 4096, h 128 x 64, g 8, n 128)...\n');
  const { run, setupMs } = codestralMixer(length);
  const timing = time(run, { minReps: 2, budgetMs: 0 });
  codestralLayer = { length, medianMs: timing.medianMs, reps: timing.reps, setupMs, withinMinute: timing.medianMs < 60_000 };
  console.log(`\nOne Mamba-Codestral-7B mixer layer (d 4096, h 128, p 64, g 8, n 128, chunk 256), l = ${length}, batch 1:`);
  console.log(`  ${(timing.medianMs / 1000).toFixed(1)} s median of ${timing.reps} (weights built in ${(setupMs / 1000).toFixed(1)} s, not counted): ${codestralLayer.withinMinute ? 'within' : 'OVER'} the one-minute budget`);
}

const out = resolve(values.out ?? join(DEFAULT_REPORT_DIR, 'bench-reference.json'));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ benchmark: 'reference', shape: SHAPE, run: runInfo(), rows, codestralLayer }, null, 2) + '\n');
console.log(`JSON: ${out}`);

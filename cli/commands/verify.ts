import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../reference/errors.js';
import { readSsdCase } from '../../reference/ssd/case-file.js';
import { choice, stringOption, type Command } from '../args.js';
import { ssdImplementation, type ImplChoice } from '../impl-options.js';
import { checkModel } from '../checks/model-check.js';
import { EXECUTION_PROVIDERS } from '../../onnx/runtime/providers.js';
import { cudaStatus } from '../../kernels/native.js';
import { GATE_TAG } from '../checks/tolerances.js';
import { checkSsdCase, type SsdCaseResult } from '../checks/ssd-case.js';
import { DEFAULT_REPORT_DIR, HF_FIXTURES, SSD_FIXTURES } from '../project-paths.js';
import type { OracleResult } from '../checks/model-oracle.js';
import { loadForCli } from '../load-model.js';
import type { Semantics } from '../../reference/model/semantics.js';
import { runInfo } from '../run-info.js';
import { formatError, formatTable } from '../table.js';
import { DEFAULT_CHUNK_SIZE } from './ssd.js';

interface VerifyRow {
  readonly suite: 'ssd' | 'model';
  readonly case: string;
  readonly impl: string;
  /** the SSD form, or the model's semantics */
  readonly variant: string;
  /** ssd: the largest maxRel against f64; model: the largest max abs logits against f64 */
  readonly error: number;
  readonly metric: 'maxRel' | 'maxAbs';
  readonly tolerance: number;
  readonly detail: string;
  readonly pass: boolean;
}

function ssdRows(result: SsdCaseResult): VerifyRow[] {
  const forms = [...new Set(result.results.map((r) => r.form))];
  return forms.map((form) => {
    const gated = result.results.filter((r) => r.form === form && r.against === GATE_TAG);
    // The row shown is the output closest to its tolerance (NaN counts as worst).
    const worst = gated.reduce((w, r) => (!(r.maxRel / r.tolerance <= w.maxRel / w.tolerance) ? r : w), gated[0]);
    const detail = `${gated.length} outputs, worst ${worst?.output ?? "-"}`;
    return { suite: 'ssd', case: result.case, impl: worst?.impl ?? '-', variant: form, error: worst?.maxRel ?? NaN, metric: 'maxRel', tolerance: worst?.tolerance ?? NaN, detail, pass: gated.length > 0 && gated.every((r) => r.pass) };
  });
}

function modelRow(checkpoint: string, result: OracleResult): VerifyRow {
  const gated = result.logits.filter((r) => r.against === GATE_TAG);
  const error = gated.reduce((m, r) => (Number.isNaN(r.maxAbs) ? NaN : Math.max(m, r.maxAbs)), 0);
  const matched = result.sequences.filter((s) => s.match).length;
  return {
    suite: 'model', case: checkpoint, impl: result.impl, variant: `${result.semantics} semantics`, error, metric: 'maxAbs',
    tolerance: result.logitsTolerance, pass: result.pass,
    detail: `${gated.length} logits cases, ${matched}/${result.sequences.length} greedy sequences match${result.sequencesGate ? '' : ' (not gating)'}`,
  };
}

/**
 * The model checks: hf semantics against HF's own outputs for every checkpoint, and the
 * reference semantics where it must agree with HF (one group: the gated norm is the same).
 */
async function modelRows(dir: string, impls: readonly ImplChoice[]): Promise<{ rows: VerifyRow[]; notes: string[]; details: OracleResult[] }> {
  const rows: VerifyRow[] = [];
  const notes: string[] = [];
  const details: OracleResult[] = [];
  for (const name of readdirSync(dir).sort()) {
    const checkpoint = join(dir, name);
    const oracle = join(checkpoint, 'oracle.safetensors');
    if (!existsSync(oracle)) continue;
    const model = loadForCli(checkpoint);
    const semantics: Semantics[] = model.config.n_groups === 1 ? ['hf', 'reference'] : ['hf'];
    if (model.config.n_groups > 1) notes.push(`${name}: reference semantics not compared with HF (${model.config.n_groups} groups: HF's whole-width gated norm differs by design; see ssdcheck diverge)`);
    for (const impl of impls) {
      for (const s of semantics) {
        const result = await checkModel(model, impl, oracle, s);
        details.push(result);
        rows.push(modelRow(name, result));
      }
    }
  }
  return { rows, notes, details };
}

function listCases(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.safetensors')).sort();
  } catch {
    throw new InputError('--fixtures', 'a folder of SSD case files', `${dir} (not readable)`);
  }
  if (names.length === 0) throw new InputError('--fixtures', 'a folder holding *.safetensors SSD cases', `${dir} (none found)`);
  return names.map((name) => join(dir, name));
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify every available implementation on the bundled fixtures (npm start)',
  usage: `ssdcheck verify [options]

Runs every available implementation on the bundled SSD cases (properties/fixtures/ssd/) and
HF checkpoints (properties/fixtures/hf-mamba2/), prints a table and writes a report:
verify.json (every comparison, with run details) and verify.md.
  ssd rows:   each form against the float64 golden outputs (y, final state, decode step);
              error = max|a-e|/max|e|; tolerance 1e-9 (reference), 1e-5 (float32), 2x the
              naive fp16 baseline + 1e-5 (fp16).
  model rows: the model against HF transformers 5.17's own logits and greedy sequences;
              error = max abs logits; tolerance 1e-4 and every sequence must match (fp16:
              2x the emulated fp16 error + 1e-4, sequences reported only).

Implementations: reference (quadratic, recurrent and chunked SSD forms; the model in hf and
reference semantics); onnx in fp32 and fp16 on the --ep provider (ssd and ssd-quadratic
graphs; prefill and step graphs); cuda in fp32, fp16 and bf16 when a CUDA device is present
(otherwise a note says why not).

Options:
  --fixtures dir      folder of SSD cases (default: the bundled ones)
  --checkpoints dir   folder of HF checkpoint folders with oracle.safetensors (default: the bundled ones)
  --ep cpu|webgpu|cuda  execution provider of the ONNX rows (default cpu); a missing one is an error
  --skip-onnx         reference rows only
  --out dir           where the report goes (default: reports/out/)
  --json              print the report as JSON instead of the table

Exit code: 0 when every row passes, 1 otherwise, 2 on bad input or a missing provider.`,
  options: {
    fixtures: { type: 'string' },
    checkpoints: { type: 'string' },
    ep: { type: 'string', default: 'cpu' },
    'skip-onnx': { type: 'boolean' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(positionals, values) {
    if (positionals.length > 0) throw new InputError('ssdcheck verify', 'no positional arguments', positionals.join(' '));
    const cases = listCases(resolve(stringOption(values, 'fixtures') ?? SSD_FIXTURES));
    const provider = choice('--ep', stringOption(values, 'ep') ?? 'cpu', EXECUTION_PROVIDERS);
    const cuda = cudaStatus();
    const impls: ImplChoice[] = [
      { impl: 'reference', provider: 'cpu', precision: 'fp32' },
      ...(values['skip-onnx'] ? [] : (['fp32', 'fp16'] as const).map((precision) => ({ impl: 'onnx', provider, precision }) as const)),
      ...(cuda.available ? (['fp32', 'fp16', 'bf16'] as const).map((precision) => ({ impl: 'cuda', provider: 'cpu', precision }) as const) : []),
    ];
    const ssd: SsdCaseResult[] = [];
    for (const path of cases) {
      const c = readSsdCase(path);
      for (const impl of impls.map(ssdImplementation)) {
        ssd.push(await checkSsdCase(c, impl, { forms: impl.forms, chunkSize: c.chunkSize ?? DEFAULT_CHUNK_SIZE, timeStepLimit: c.inputs.timeStepLimit ?? [0, Infinity] }));
      }
    }
    const model = await modelRows(resolve(stringOption(values, 'checkpoints') ?? HF_FIXTURES), impls);
    const rows = [...ssd.flatMap(ssdRows), ...model.rows];
    const pass = rows.every((r) => r.pass);
    const report = { tool: 'ssdcheck verify', pass, run: runInfo(), cuda: cuda.device ?? { available: false, reason: cuda.reason }, rows, notes: [...model.notes, ...(cuda.available ? [] : [`cuda rows left out: ${cuda.reason}`])], details: { ssd, model: model.details } };
    const table = formatTable(
      ['suite', 'case', 'impl', 'variant', 'error', 'metric', 'tolerance', 'detail', 'result'],
      rows.map((r) => [r.suite, r.case, r.impl, r.variant, formatError(r.error), r.metric, formatError(r.tolerance), r.detail, r.pass ? 'pass' : 'FAIL']),
    );
    const notes = [...model.notes, ...(cuda.available ? [] : [`cuda rows left out: ${cuda.reason}`])];
    const summary = [...notes.map((n) => `note: ${n}`), `${rows.filter((r) => r.pass).length} of ${rows.length} rows pass: ${pass ? 'PASS' : 'FAIL'}`].join('\n');
    const outDir = resolve(stringOption(values, 'out') ?? DEFAULT_REPORT_DIR);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'verify.json'), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(join(outDir, 'verify.md'), `# ssdcheck verify\n\n${report.run.date}, commit ${report.run.commit}\n\n\`\`\`\n${table}\n\`\`\`\n\n${summary}\n`);
    if (values.json) {
      console.log(JSON.stringify(report));
    } else {
      console.log(table);
      console.log(`\n${summary}\nreport: ${join(outDir, 'verify.json')}, ${join(outDir, 'verify.md')}`);
    }
    return pass ? 0 : 1;
  },
};

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../reference/errors.js';
import { readSsdCase } from '../../reference/ssd/case-file.js';
import { SSD_FORMS } from '../../reference/ssd/index.js';
import { stringOption, type Command } from '../args.js';
import { GATE_TAG } from '../checks/tolerances.js';
import { checkSsdCase, type SsdCaseResult } from '../checks/ssd-case.js';
import { DEFAULT_REPORT_DIR, SSD_FIXTURES } from '../project-paths.js';
import { runInfo } from '../run-info.js';
import { formatError, formatTable } from '../table.js';
import { DEFAULT_CHUNK_SIZE } from './ssd.js';

interface VerifyRow {
  readonly suite: string;
  readonly case: string;
  readonly impl: string;
  readonly form: string;
  /** the largest maxRel over the outputs checked against f64 */
  readonly maxRel: number;
  readonly tolerance: number;
  readonly pass: boolean;
}

function ssdRows(result: SsdCaseResult): VerifyRow[] {
  const forms = [...new Set(result.results.map((r) => r.form))];
  return forms.map((form) => {
    const gated = result.results.filter((r) => r.form === form && r.against === GATE_TAG);
    const maxRel = gated.reduce((m, r) => (Number.isNaN(r.maxRel) ? NaN : Math.max(m, r.maxRel)), 0);
    return { suite: 'ssd', case: result.case, impl: 'reference', form, maxRel, tolerance: gated[0]?.tolerance ?? NaN, pass: gated.length > 0 && gated.every((r) => r.pass) };
  });
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

Runs every available implementation on the bundled SSD cases (properties/fixtures/ssd/), prints
a table (case, implementation, form, max relative error against the float64 golden outputs,
pass/fail) and writes a report: verify.json (every comparison, with run details) and verify.md.

Implementations: reference (quadratic, recurrent and chunked forms).

Options:
  --fixtures dir   folder of SSD cases (default: the bundled ones)
  --out dir        where the report goes (default: reports/out/)
  --json           print the report as JSON instead of the table

Exit code: 0 when every row passes, 1 otherwise, 2 on bad input.`,
  options: {
    fixtures: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  run(positionals, values) {
    if (positionals.length > 0) throw new InputError('ssdcheck verify', 'no positional arguments', positionals.join(' '));
    const cases = listCases(resolve(stringOption(values, 'fixtures') ?? SSD_FIXTURES));
    const ssd = cases.map((path) => {
      const c = readSsdCase(path);
      return checkSsdCase(c, { forms: SSD_FORMS, chunkSize: c.chunkSize ?? DEFAULT_CHUNK_SIZE, timeStepLimit: c.inputs.timeStepLimit ?? [0, Infinity] });
    });
    const rows = ssd.flatMap(ssdRows);
    const pass = rows.every((r) => r.pass);
    const report = { tool: 'ssdcheck verify', pass, run: runInfo(), rows, details: { ssd } };
    const table = formatTable(
      ['suite', 'case', 'impl', 'form', 'max rel error', 'tolerance', 'result'],
      rows.map((r) => [r.suite, r.case, r.impl, r.form, formatError(r.maxRel), formatError(r.tolerance), r.pass ? 'pass' : 'FAIL']),
    );
    const summary = `${rows.filter((r) => r.pass).length} of ${rows.length} rows pass: ${pass ? 'PASS' : 'FAIL'}`;
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

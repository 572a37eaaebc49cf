import { describe, expect, test } from 'vitest';
import { difference } from '../reference/compare.js';
import { readSsdCase } from '../reference/ssd/case-file.js';
import { SSD_FORMS, runSsdForm, ssdStep } from '../reference/ssd/index.js';
import { formatTable } from '../cli/table.js';
import { expectClose } from './helpers/expect-close.js';
import { ssdFixtureFiles } from './helpers/fixture-paths.js';

// Golden data from outside the project (properties/fixtures/README.md): a float64 scan run by
// torch, and mamba_ssm's Triton kernels.
const GOLDEN_TOL = 1e-9;

describe.each(ssdFixtureFiles())('golden SSD case %s', (path) => {
  const c = readSsdCase(path);
  const f64 = c.expected.get('f64');
  const chunkSize = c.chunkSize ?? 64;

  test('has float64 outputs to check', () => {
    expect(f64?.y).toBeDefined();
    expect(f64?.finalState).toBeDefined();
  });

  test.each(SSD_FORMS)('%s form matches f64.* within 1e-9, and the decode step after it', (form) => {
    const out = runSsdForm(form, c.inputs, chunkSize);
    expectClose(out.y, f64!.y!, GOLDEN_TOL, `${c.name} ${form} y`);
    expectClose(out.finalState, f64!.finalState!, GOLDEN_TOL, `${c.name} ${form} final state`);
    const stepF64 = c.step?.expected.get('f64');
    expect(stepF64, 'every shared case has a decode step').toBeDefined();
    const step = ssdStep({ ...c.step!.inputs, state: out.finalState });
    expectClose(step.y, stepF64!.y!, GOLDEN_TOL, `${c.name} step y`);
    expectClose(step.state, stepF64!.state!, GOLDEN_TOL, `${c.name} step state`);
  });

  test('records how far mamba_ssm Triton outputs are from the reference', () => {
    const out = runSsdForm('chunked', c.inputs, chunkSize);
    const step = ssdStep({ ...c.step!.inputs, state: out.finalState });
    const rows: string[][] = [];
    for (const [tag, expected] of c.expected) {
      if (tag === 'f64') continue;
      rows.push([tag, 'y', difference(out.y, expected.y!).maxRel.toExponential(2)]);
      rows.push([tag, 'final_state', difference(out.finalState, expected.finalState!).maxRel.toExponential(2)]);
    }
    for (const [tag, expected] of c.step!.expected) {
      if (tag === 'f64') continue;
      rows.push([`step.${tag}`, 'y', difference(step.y, expected.y!).maxRel.toExponential(2)]);
      rows.push([`step.${tag}`, 'state', difference(step.state, expected.state!).maxRel.toExponential(2)]);
    }
    console.log(`${c.name}: the float64 reference vs mamba_ssm outputs (maxRel = max|ref - triton| / max|triton|)\n${formatTable(['source', 'output', 'max rel'], rows)}`);
    expect(rows.length).toBeGreaterThan(0);
  });
});

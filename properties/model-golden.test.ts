import { join, basename } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkOracle, LOGITS_TOLERANCE } from '../cli/checks/model-oracle.js';
import { formatTable } from '../cli/table.js';
import { loadCheckpoint } from '../reference/model/checkpoint.js';
import { hfCheckpointDirs } from './helpers/oracle.js';

// Golden data from HF transformers 5.17 itself (properties/fixtures/README.md).
describe.each(hfCheckpointDirs())('HF checkpoint %s', (dir) => {
  const name = basename(dir);
  const { model, unexpected } = loadCheckpoint(dir);
  const oracle = join(dir, 'oracle.safetensors');

  test('loads with no unexpected tensors', () => {
    expect(unexpected).toEqual([]);
  });

  test('hf semantics: every f64 logits tensor within 1e-4, every greedy sequence exact', async () => {
    const result = await checkOracle(model, oracle, 'hf');
    const f64 = result.logits.filter((r) => r.against === 'f64');
    expect(new Set(f64.map((r) => r.case))).toEqual(new Set(['full', 'left', 'right', 'single0', 'single1', 'single2', 'generate_cached', 'generate_uncached']));
    for (const r of f64) expect(r.maxAbs, `${r.case}`).toBeLessThanOrEqual(LOGITS_TOLERANCE);
    expect(result.sequences.map((s) => s.name).sort()).toEqual(['generate_cached', 'generate_uncached', 'single0.generate', 'single1.generate', 'single2.generate']);
    for (const s of result.sequences) expect(s, s.name).toMatchObject({ match: true, firstDiff: null });
    console.log(`${name}, hf semantics: HF's own precisions against the float64 reference (max abs logits)\n${formatTable(['case', 'against', 'max abs'], result.logits.map((r) => [r.case, r.against, r.maxAbs.toExponential(2)]))}`);
  });

  test('reference semantics: matches HF for one group, differs by > 1e-2 with 8 groups (group-wise norm)', async () => {
    const result = await checkOracle(model, oracle, 'reference');
    const worst = Math.max(...result.logits.filter((r) => r.against === 'f64').map((r) => r.maxAbs));
    console.log(`${name}, reference semantics: max abs logits difference from HF = ${worst.toExponential(3)} (groups ${model.config.n_groups})`);
    if (model.config.n_groups === 1) {
      expect(worst).toBeLessThanOrEqual(LOGITS_TOLERANCE);
      expect(result.pass).toBe(true);
    } else {
      expect(worst).toBeGreaterThan(1e-2);
      expect(result.pass).toBe(false);
    }
  });
});

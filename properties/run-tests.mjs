#!/usr/bin/env node
// `npm test`: runs vitest, then prints the plain closing line CI reads,
// "N passed, N failed[, N skipped]", from vitest's JSON report (its own summary is not read).
// Extra arguments go to vitest (`npm test -- properties/ssd`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const seed = process.env.SSDCHECK_SEED ?? String((Math.random() * 2 ** 31) | 0);
const dir = mkdtempSync(join(tmpdir(), 'ssdcheck-test-'));
const reportPath = join(dir, 'vitest.json');
// vitest's bin is not an export; find it beside the package.json, which is.
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
console.log(`property seed: ${seed} (replay with SSDCHECK_SEED=${seed} npm test)`);
const run = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportPath}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, SSDCHECK_SEED: seed },
});

let counts;
try {
  const report = JSON.parse(readFileSync(reportPath, 'utf-8'));
  counts = { passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests };
  // A file that fails to load counts no test but is a failure.
  counts.failed += report.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
} catch (error) {
  console.error(`run-tests: no vitest JSON report (${error.message}); vitest exited with ${run.status ?? run.signal}`);
  counts = { passed: 0, failed: 1, skipped: 0 };
}
rmSync(dir, { recursive: true, force: true });
const failed = counts.failed > 0 || run.status !== 0;
console.log(`property seed: ${seed}`);
console.log(`${counts.passed} passed, ${Math.max(counts.failed, failed ? 1 : 0)} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);

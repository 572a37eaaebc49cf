import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { kernelSourcesHash } from '../kernels/sources-hash.js';

const REPORT = fileURLToPath(new URL('../reports/gpu/verify.json', import.meta.url));

// CI has no GPU: the committed gate report is the evidence. A kernel change without a new
// passing report (npm run gate:gpu on the GPU host) fails here, so it cannot land unverified.
test('the committed GPU gate report verified these kernel sources and passed', () => {
  expect(existsSync(REPORT), `${REPORT} is missing: run npm run gate:gpu on the GPU host and commit it`).toBe(true);
  const report = JSON.parse(readFileSync(REPORT, 'utf-8'));
  expect(report.sourcesHash, 'kernel sources changed since the last GPU gate: run npm run gate:gpu on the GPU host and commit reports/gpu/verify.json').toBe(kernelSourcesHash());
  expect(report.passed).toBe(true);
  expect(report.tests.failed).toBe(0);
  expect(report.tests.passed).toBeGreaterThan(0);
});

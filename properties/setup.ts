import fc from 'fast-check';

/**
 * Pins fast-check to the run's seed (SSDCHECK_SEED, set by vitest.config.ts) so that any
 * counterexample replays: fast-check prints the seed and shrink path of a failure, and
 * `SSDCHECK_SEED=<seed> npm test` reruns the same cases. SSDCHECK_RUNS scales the run count.
 */
const seed = Number(process.env.SSDCHECK_SEED);
if (!Number.isInteger(seed)) throw new Error(`SSDCHECK_SEED: expected an integer, got ${JSON.stringify(process.env.SSDCHECK_SEED)}`);
const numRuns = Number(process.env.SSDCHECK_RUNS ?? 100);
if (!(Number.isInteger(numRuns) && numRuns >= 1)) throw new Error(`SSDCHECK_RUNS: expected an integer >= 1, got ${JSON.stringify(process.env.SSDCHECK_RUNS)}`);
fc.configureGlobal({ seed, numRuns });

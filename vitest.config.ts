import { defineConfig } from 'vitest/config';

// One seed for the whole run, from SSDCHECK_SEED or drawn now; workers inherit it through
// test.env, properties/setup.ts hands it to fast-check, and properties/run-tests.mjs prints it.
const seed = process.env.SSDCHECK_SEED ?? String((Math.random() * 2 ** 31) | 0);
process.env.SSDCHECK_SEED = seed;

export default defineConfig({
  test: {
    include: ['properties/**/*.test.ts'],
    setupFiles: ['properties/setup.ts'],
    env: { SSDCHECK_SEED: seed },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

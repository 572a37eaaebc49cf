import fc from 'fast-check';
import type { RandomModelSpec } from '../../reference/model/random-model.js';

/** Tiny configs as issue 3 asks: layers 1..3, g | h, K 2..4, q 1..16, biases and limits on or off. */
export const randomModelSpec = (): fc.Arbitrary<RandomModelSpec> =>
  fc.record({
    layers: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 3 }),
    headsPerGroup: fc.integer({ min: 1, max: 2 }),
    headDim: fc.integer({ min: 1, max: 4 }),
    stateSize: fc.integer({ min: 1, max: 4 }),
    kernel: fc.integer({ min: 2, max: 4 }),
    chunkSize: fc.integer({ min: 1, max: 16 }),
    vocab: fc.integer({ min: 4, max: 16 }),
    useBias: fc.boolean(),
    useConvBias: fc.boolean(),
    tie: fc.boolean(),
    // A limit that binds for part of the steps: softplus(dt) of these models spreads over ~0.01..1.
    timeStepLimit: fc.option(fc.tuple(fc.double({ min: 0, max: 0.1, noNaN: true }), fc.double({ min: 0.1, max: 0.6, noNaN: true })), { nil: undefined }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });

/** A batch of prompts (b, l) with token ids below `vocab`. */
export const prompts = (vocab: number, { maxBatch = 3, maxLength = 12 } = {}): fc.Arbitrary<number[][]> =>
  fc.integer({ min: 1, max: maxLength }).chain((l) =>
    fc.array(fc.array(fc.integer({ min: 0, max: vocab - 1 }), { minLength: l, maxLength: l }), { minLength: 1, maxLength: maxBatch }));

/** A model spec with prompts for it. */
export const modelAndPrompts = (options?: { maxBatch?: number; maxLength?: number }) =>
  randomModelSpec().chain((spec) => prompts(spec.vocab, options).map((rows) => ({ spec, rows })));

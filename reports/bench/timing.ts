/** Wall-clock timing for CPU benchmarks: medians over repetitions after one warm-up. */
export interface Timing {
  readonly medianMs: number;
  readonly p20Ms: number;
  readonly p80Ms: number;
  readonly reps: number;
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/**
 * Runs `work` once to warm up, then repeats it until `minReps` runs and `budgetMs` have both
 * passed (at most `maxReps`), and reports the median and p20/p80. A warm-up longer than the
 * budget counts as a sample: JIT warm-up is noise at that scale, and it saves a slow run.
 */
export function time(work: () => unknown, { minReps = 3, maxReps = 50, budgetMs = 1000 } = {}): Timing {
  const warmStart = performance.now();
  work();
  const warmMs = performance.now() - warmStart;
  const samples: number[] = warmMs > budgetMs ? [warmMs] : [];
  const start = performance.now();
  while (samples.length < maxReps && (samples.length < minReps || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    work();
    samples.push(performance.now() - t0);
  }
  return summarise(samples);
}

/** The same for asynchronous work (onnxruntime sessions). */
export async function timeAsync(work: () => Promise<unknown>, { minReps = 3, maxReps = 50, budgetMs = 1000 } = {}): Promise<Timing> {
  const warmStart = performance.now();
  await work();
  const warmMs = performance.now() - warmStart;
  const samples: number[] = warmMs > budgetMs ? [warmMs] : [];
  const start = performance.now();
  while (samples.length < maxReps && (samples.length < minReps || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await work();
    samples.push(performance.now() - t0);
  }
  return summarise(samples);
}

/** Median and p20/p80 of samples in ms (sorts them in place). */
export function summarise(samples: number[]): Timing {
  samples.sort((a, b) => a - b);
  return { medianMs: quantile(samples, 0.5), p20Ms: quantile(samples, 0.2), p80Ms: quantile(samples, 0.8), reps: samples.length };
}

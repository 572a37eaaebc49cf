/**
 * A small deterministic generator (mulberry32) for filling tensors (random models, property
 * inputs). In properties, fast-check draws the dims and one integer seed, and the values come
 * from here: shrinking acts on the dims, where it helps; a whole array of fast-check floats
 * would be slow and shrink to nothing useful.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** uniform in [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** standard normal (Box-Muller) scaled to mean and std */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  normals(count: number, mean = 0, std = 1): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.normal(mean, std);
    return out;
  }

  uniforms(count: number, lo: number, hi: number): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.uniform(lo, hi);
    return out;
  }
}

import { requireInteger } from '../errors.js';
import { tensor } from '../tensor/tensor.js';
import { groupOfHead, prepareSsd, type PreparedSsd, type SsdInputs, type SsdOutputs } from './inputs.js';

/**
 * The chunked algorithm (Mamba-2 paper, section 6; mamba_ssm's ssd_combined) for any chunk
 * size q >= 1: the sequence is cut into chunks of q steps (the last may be shorter), and per
 * chunk
 *   1. intra-chunk output: the quadratic form inside the chunk,
 *   2. chunk state: what the chunk adds to the state, starting from zero,
 *   3. state passing: the state at each chunk's start, a recurrence across chunks,
 *   4. state to output: the contribution of the chunk's starting state to its outputs.
 * Segment sums are differences of in-chunk cumulative sums, clamped to <= 0 before exp: a
 * rounding residue above zero must never reach exp (mamba #713, vLLM #37501).
 */
export function ssdChunked(inputs: SsdInputs, chunkSize: number): SsdOutputs {
  requireInteger('chunkSize', chunkSize, 1);
  const s = prepareSsd(inputs);
  const { batch: b, length: l, heads: h, headDim: p, groups: g, stateSize: n } = s;
  const y = tensor([b, l, h, p]); // (b, l, h, p)
  const chunkStartState = Float64Array.from(s.initialState); // (b, h, p, n), advanced chunk by chunk
  const scores = new Float64Array(chunkSize * chunkSize); // (q, q): C_t . B_s in one chunk and group
  const cumsum = new Float64Array(chunkSize); // (q): in-chunk cumulative dt A of one head
  const added = new Float64Array(p * n); // (p, n): one head's chunk state
  for (let bi = 0; bi < b; bi++) {
    for (let start = 0; start < l; start += chunkSize) {
      const chunk: Chunk = { s, bi, start, size: Math.min(chunkSize, l - start) };
      let scoresGroup = -1;
      for (let hd = 0; hd < h; hd++) {
        const gi = groupOfHead(hd, h, g);
        if (gi !== scoresGroup) {
          chunkScores(chunk, gi, scores);
          scoresGroup = gi;
        }
        chunkCumsum(chunk, hd, cumsum);
        const state = chunkStartState.subarray((bi * h + hd) * p * n, (bi * h + hd + 1) * p * n);
        intraChunkOutput(chunk, hd, scores, cumsum, y.data);
        stateToOutput(chunk, hd, cumsum, state, y.data);
        chunkState(chunk, hd, cumsum, added);
        passState(state, cumsum[chunk.size - 1], added);
      }
    }
  }
  return { y, finalState: tensor([b, h, p, n], chunkStartState) };
}

/** One chunk of one batch row: steps [start, start + size). */
interface Chunk {
  readonly s: PreparedSsd;
  readonly bi: number;
  readonly start: number;
  readonly size: number;
}

const xOffset = ({ s, bi, start }: Chunk, i: number, hd: number) => ((bi * s.length + start + i) * s.heads + hd) * s.headDim;
const bcOffset = ({ s, bi, start }: Chunk, i: number, gi: number) => ((bi * s.length + start + i) * s.groups + gi) * s.stateSize;
const dtAt = ({ s, bi, start }: Chunk, i: number, hd: number) => s.dt[(bi * s.length + start + i) * s.heads + hd];
/** exp of a segment sum; the clamp removes positive rounding residues of the difference */
const segmentDecay = (later: number, earlier: number) => Math.exp(Math.min(later - earlier, 0));

/** scores[i, j] = C_i . B_j for j <= i within the chunk, for group gi. */
function chunkScores(c: Chunk, gi: number, scores: Float64Array): void {
  const n = c.s.stateSize;
  for (let i = 0; i < c.size; i++) {
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let ni = 0; ni < n; ni++) dot += c.s.C[bcOffset(c, i, gi) + ni] * c.s.B[bcOffset(c, j, gi) + ni];
      scores[i * c.size + j] = dot;
    }
  }
}

/** cumsum[i] = sum_{r <= i} dt_r A over the chunk, for head hd. */
function chunkCumsum(c: Chunk, hd: number, cumsum: Float64Array): void {
  let acc = 0;
  for (let i = 0; i < c.size; i++) {
    acc += dtAt(c, i, hd) * c.s.A[hd];
    cumsum[i] = acc;
  }
}

/** Stage 1: y_i = sum_{j <= i} exp(cs_i - cs_j) (C_i . B_j) dt_j x_j + D x_i. */
function intraChunkOutput(c: Chunk, hd: number, scores: Float64Array, cumsum: Float64Array, y: Float64Array): void {
  const p = c.s.headDim;
  for (let i = 0; i < c.size; i++) {
    const out = xOffset(c, i, hd);
    for (let pi = 0; pi < p; pi++) y[out + pi] = c.s.D[hd] * c.s.x[out + pi];
    for (let j = 0; j <= i; j++) {
      const weight = segmentDecay(cumsum[i], cumsum[j]) * scores[i * c.size + j] * dtAt(c, j, hd);
      const source = xOffset(c, j, hd);
      for (let pi = 0; pi < p; pi++) y[out + pi] += weight * c.s.x[source + pi];
    }
  }
}

/** Stage 4: y_i += exp(cs_i) S_start C_i, the starting state decayed to step i. */
function stateToOutput(c: Chunk, hd: number, cumsum: Float64Array, state: Float64Array, y: Float64Array): void {
  const { headDim: p, stateSize: n, heads: h, groups: g } = c.s;
  const gi = groupOfHead(hd, h, g);
  for (let i = 0; i < c.size; i++) {
    const decay = Math.exp(cumsum[i]);
    const out = xOffset(c, i, hd);
    const cOffset = bcOffset(c, i, gi);
    for (let pi = 0; pi < p; pi++) {
      let dot = 0;
      for (let ni = 0; ni < n; ni++) dot += state[pi * n + ni] * c.s.C[cOffset + ni];
      y[out + pi] += decay * dot;
    }
  }
}

/** Stage 2: added[p, n] = sum_j exp(cs_last - cs_j) dt_j x_j B_j^T, the chunk's own state. */
function chunkState(c: Chunk, hd: number, cumsum: Float64Array, added: Float64Array): void {
  const { headDim: p, stateSize: n, heads: h, groups: g } = c.s;
  const gi = groupOfHead(hd, h, g);
  added.fill(0);
  for (let j = 0; j < c.size; j++) {
    const weight = segmentDecay(cumsum[c.size - 1], cumsum[j]) * dtAt(c, j, hd);
    const source = xOffset(c, j, hd);
    const bOffset = bcOffset(c, j, gi);
    for (let pi = 0; pi < p; pi++) {
      const wx = weight * c.s.x[source + pi];
      for (let ni = 0; ni < n; ni++) added[pi * n + ni] += wx * c.s.B[bOffset + ni];
    }
  }
}

/** Stage 3: S_next = exp(sum of the chunk's dt A) S_start + added, in place. */
function passState(state: Float64Array, chunkDecayLog: number, added: Float64Array): void {
  const decay = Math.exp(chunkDecayLog);
  for (let k = 0; k < state.length; k++) state[k] = decay * state[k] + added[k];
}

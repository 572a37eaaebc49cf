import { tensor } from '../tensor/tensor.js';
import { groupOfHead, prepareSsd, type SsdInputs, type SsdOutputs } from './inputs.js';

/**
 * The quadratic (dual, attention-like) form: y = (L o C B^T)(dt o x) + D x, with
 * L[t,s] = exp(sum_{r=s+1..t} dt_r A) for s <= t, 0 above the diagonal, plus the initial
 * state's term exp(sum_{r<=t} dt_r A) S0 C_t. O(l^2) on purpose: it shares no code path with
 * the scan, which is what makes agreement between them evidence.
 */
export function ssdQuadratic(inputs: SsdInputs): SsdOutputs {
  const s = prepareSsd(inputs);
  const { batch: b, length: l, heads: h, headDim: p, groups: g, stateSize: n } = s;
  const y = tensor([b, l, h, p]); // (b, l, h, p)
  const finalState = tensor([b, h, p, n]); // (b, h, p, n)
  const scores = new Float64Array(l * l); // (l, l): C_t . B_s of one group, lower triangle
  const L = new Float64Array(l * l); // (l, l): one head's decay mask
  const dtx = new Float64Array(l * p); // (l, p)
  const row = new Float64Array(p); // (p): one output row being summed
  for (let bi = 0; bi < b; bi++) {
    let scoresGroup = -1;
    for (let hd = 0; hd < h; hd++) {
      const gi = groupOfHead(hd, h, g);
      if (gi !== scoresGroup) {
        fillScores(scores, s.C, s.B, bi, gi, l, g, n);
        scoresGroup = gi;
      }
      const dA = (t: number) => s.dt[(bi * l + t) * h + hd] * s.A[hd];
      fillDecayMask(L, dA, l);
      // dtx[s, :] = dt_s x_s, the right-hand side of the dual form for this head.
      for (let t = 0; t < l; t++) {
        const dt = s.dt[(bi * l + t) * h + hd];
        const xOffset = ((bi * l + t) * h + hd) * p;
        for (let pi = 0; pi < p; pi++) dtx[t * p + pi] = dt * s.x[xOffset + pi];
      }
      const stateAt = (bi * h + hd) * p * n;
      let cumulative = 0; // sum_{r<=t} dA_r: the initial state's decay is its exp
      for (let t = 0; t < l; t++) {
        cumulative += dA(t);
        const decayFromStart = Math.exp(cumulative);
        const cOffset = ((bi * l + t) * g + gi) * n;
        const yOffset = ((bi * l + t) * h + hd) * p;
        for (let pi = 0; pi < p; pi++) {
          let fromState = 0;
          for (let ni = 0; ni < n; ni++) fromState += s.initialState[stateAt + pi * n + ni] * s.C[cOffset + ni];
          row[pi] = decayFromStart * fromState + s.D[hd] * s.x[yOffset + pi];
        }
        for (let src = 0; src <= t; src++) {
          const weight = L[t * l + src] * scores[t * l + src];
          for (let pi = 0; pi < p; pi++) row[pi] += weight * dtx[src * p + pi];
        }
        y.data.set(row, yOffset);
      }
      // The final state is the last row of L applied to dt x B^T, plus the decayed S0.
      const decayAll = Math.exp(cumulative);
      for (let pi = 0; pi < p; pi++) {
        for (let ni = 0; ni < n; ni++) {
          let acc = decayAll * s.initialState[stateAt + pi * n + ni];
          for (let src = 0; src < l; src++) acc += L[(l - 1) * l + src] * dtx[src * p + pi] * s.B[((bi * l + src) * g + gi) * n + ni];
          finalState.data[stateAt + pi * n + ni] = acc;
        }
      }
    }
  }
  return { y, finalState };
}

/** scores[t, s] = C_t . B_s for s <= t (one batch row, one group). */
function fillScores(scores: Float64Array, C: Float64Array, B: Float64Array, bi: number, gi: number, l: number, g: number, n: number): void {
  for (let t = 0; t < l; t++) {
    const cOffset = ((bi * l + t) * g + gi) * n;
    for (let src = 0; src <= t; src++) {
      const bOffset = ((bi * l + src) * g + gi) * n;
      let dot = 0;
      for (let ni = 0; ni < n; ni++) dot += C[cOffset + ni] * B[bOffset + ni];
      scores[t * l + src] = dot;
    }
  }
}

/**
 * L[t, s] = exp(sum_{r=s+1..t} dA_r) for s <= t. Each segment sum is accumulated directly
 * (a masked cumulative sum), never as a difference of prefix sums, so exp only ever sees
 * sums of non-positive terms (mamba #713: differences leave positive residues).
 */
function fillDecayMask(L: Float64Array, dA: (t: number) => number, l: number): void {
  for (let t = 0; t < l; t++) {
    let segment = 0;
    L[t * l + t] = 1;
    for (let src = t - 1; src >= 0; src--) {
      segment += dA(src + 1);
      L[t * l + src] = Math.exp(segment);
    }
  }
}

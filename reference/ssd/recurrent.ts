import { InputError, formatShape } from '../errors.js';
import { reshape, tensor, type Tensor } from '../tensor/tensor.js';
import { expectShape, groupOfHead, prepareSsd, type PreparedSsd, type SsdInputs, type SsdOutputs } from './inputs.js';

/**
 * The recurrent form: S_t = exp(dt_t A) S_{t-1} + dt_t x_t B_t^T, y_t = S_t C_t + D x_t.
 * O(l) and sequential; the definition the other forms are checked against.
 */
export function ssdRecurrent(inputs: SsdInputs): SsdOutputs {
  return scanPrepared(prepareSsd(inputs));
}

function scanPrepared(s: PreparedSsd): SsdOutputs {
  const { batch: b, length: l, heads: h, headDim: p, groups: g, stateSize: n } = s;
  const y = tensor([b, l, h, p]); // (b, l, h, p)
  const state = Float64Array.from(s.initialState); // (b, h, p, n)
  for (let bi = 0; bi < b; bi++) {
    for (let t = 0; t < l; t++) {
      for (let hd = 0; hd < h; hd++) {
        const dt = s.dt[(bi * l + t) * h + hd];
        const decay = Math.exp(dt * s.A[hd]);
        const bcOffset = ((bi * l + t) * g + groupOfHead(hd, h, g)) * n;
        const xOffset = ((bi * l + t) * h + hd) * p;
        for (let pi = 0; pi < p; pi++) {
          const xv = s.x[xOffset + pi];
          const row = ((bi * h + hd) * p + pi) * n;
          let acc = 0;
          for (let ni = 0; ni < n; ni++) {
            const updated = decay * state[row + ni] + dt * xv * s.B[bcOffset + ni];
            state[row + ni] = updated;
            acc += updated * s.C[bcOffset + ni];
          }
          y.data[xOffset + pi] = acc + s.D[hd] * xv;
        }
      }
    }
  }
  return { y, finalState: tensor([b, h, p, n], state) };
}

/** One decode step's inputs: the state after the prompt and the next token's x, raw dt, B, C. */
export interface SsdStepInputs {
  /** (b,h,p,n) */
  readonly state: Tensor;
  /** (b,h,p) */
  readonly x: Tensor;
  /** (b,h) raw, before dtBias and softplus */
  readonly dt: Tensor;
  /** (b,g,n) */
  readonly B: Tensor;
  readonly C: Tensor;
  readonly dtBias: Tensor;
  readonly A?: Tensor;
  readonly ALog?: Tensor;
  readonly D?: Tensor;
  readonly timeStepLimit?: readonly [number, number];
}

export interface SsdStepOutputs {
  /** (b,h,p) */
  readonly y: Tensor;
  /** (b,h,p,n), a new tensor: the input state is left as it was */
  readonly state: Tensor;
}

/** A single recurrent step, as a decode step runs it: the scan over a length-1 sequence. */
export function ssdStep(inputs: SsdStepInputs): SsdStepOutputs {
  const { x: xIn, B: BIn } = inputs;
  if (xIn.shape.length !== 3) throw new InputError('x', 'a 3-d tensor (b, h, p)', formatShape(xIn.shape));
  if (BIn.shape.length !== 3) throw new InputError('B', 'a 3-d tensor (b, g, n)', formatShape(BIn.shape));
  // x and B define the dims, as in the sequence form; step shapes are checked here so that
  // errors name (b, h, p), not the sequence form's (b, l, h, p).
  const [b, h, p] = xIn.shape;
  const [, g, n] = BIn.shape;
  const x = expectShape('x', xIn, [b, h, p], '(b, h, p)');
  const dt = expectShape('dt', inputs.dt, [b, h], '(b, h)');
  const B = expectShape('B', BIn, [b, g, n], '(b, g, n)');
  const C = expectShape('C', inputs.C, [b, g, n], '(b, g, n)');
  const state = expectShape('state', inputs.state, [b, h, p, n], '(b, h, p, n)');
  const { y, finalState } = ssdRecurrent({
    ...inputs,
    x: reshape(x, [b, 1, h, p]),
    dt: reshape(dt, [b, 1, h]),
    B: reshape(B, [b, 1, g, n]),
    C: reshape(C, [b, 1, g, n]),
    initialState: state,
  });
  return { y: reshape(y, [b, h, p]), state: finalState };
}

import { generate } from '../../reference/model/generate.js';
import { maxAbsLogits } from './model-oracle.js';
import { Mamba2Model } from '../../reference/model/model.js';
import { padRows } from '../../reference/model/padding.js';
import { BEHAVIOUR, DIVERGENCES, type Behaviour } from '../../reference/model/semantics.js';
import { SeededRandom } from '../../reference/tensor/seeded-random.js';
import type { Tensor } from '../../reference/tensor/tensor.js';

/** The measured effect of one divergence (or all of them: the hf semantics) on a checkpoint. */
export interface DivergenceRow {
  readonly divergence: string;
  readonly description: string;
  /** max |logits - reference logits| over the real positions of the prompts */
  readonly promptMaxAbs: number;
  /** the same over the generated steps, up to the first step whose token differs */
  readonly generationMaxAbs: number;
  /** first generated step whose greedy token differs from the reference, per batch; null: none */
  readonly firstTokenChange: { readonly left: number | null; readonly right: number | null };
}

export interface DivergenceInputs {
  /** real rows of different lengths, padded left and right for the batch runs */
  readonly rows: readonly (readonly number[])[];
  readonly maxNewTokens: number;
}

/** Three prompts of lengths 24, 13 and 5 drawn from the vocabulary with a seed. */
export function seededPrompts(vocab: number, seed: number): number[][] {
  const random = new SeededRandom(seed);
  return [24, 13, 5].map((length) => Array.from({ length }, () => Math.floor(random.next() * vocab)));
}

/** Step at which the generated tokens of any row first differ, or null. */
function firstChange(a: Tensor, b: Tensor, promptWidth: number): number | null {
  const [rows, total] = a.shape;
  let first: number | null = null;
  for (let row = 0; row < rows; row++) {
    for (let t = promptWidth; t < total; t++) {
      if (a.data[row * total + t] !== b.data[row * total + t]) {
        first = first === null ? t - promptWidth : Math.min(first, t - promptWidth);
        break;
      }
    }
  }
  return first;
}

/** Runs the inputs with each divergence switched to HF's behaviour alone, and all together. */
export async function measureDivergences(model: Mamba2Model, inputs: DivergenceInputs): Promise<DivergenceRow[]> {
  const vocab = model.config.vocab_size;
  const batches = { left: padRows(inputs.rows, 'left', 0), right: padRows(inputs.rows, 'right', 0) };
  const run = async (behaviour: Behaviour) => {
    const out = {} as Record<'left' | 'right', { logits: Tensor; sequences: Tensor; stepLogits: Tensor }>;
    for (const side of ['left', 'right'] as const) {
      const { logits } = model.forward(batches[side], { behaviour });
      const g = await generate(model, batches[side], { behaviour, maxNewTokens: inputs.maxNewTokens });
      out[side] = { logits, sequences: g.sequences, stepLogits: g.logits };
    }
    return out;
  };
  const reference = await run(BEHAVIOUR.reference);
  const variants = [...DIVERGENCES.map((d) => ({ name: d.name, description: d.description, behaviour: d.toHf(BEHAVIOUR.reference) })),
    { name: 'all (hf semantics)', description: 'every divergence at once: transformers 5.17 behaviour', behaviour: BEHAVIOUR.hf }];
  const rows: DivergenceRow[] = [];
  for (const { name, description, behaviour } of variants) {
    const variant = await run(behaviour);
    let promptMaxAbs = 0;
    let generationMaxAbs = 0;
    const firstTokenChange = { left: null as number | null, right: null as number | null };
    for (const side of ['left', 'right'] as const) {
      const width = batches[side].inputIds.shape[1];
      promptMaxAbs = Math.max(promptMaxAbs, maxAbsLogits(variant[side].logits, reference[side].logits, batches[side].attentionMask, side));
      const change = firstChange(variant[side].sequences, reference[side].sequences, width);
      firstTokenChange[side] = change;
      // Logits after a token changed belong to another sequence: compare up to that step.
      const steps = change === null ? inputs.maxNewTokens : change + 1;
      const [rows] = variant[side].stepLogits.shape;
      for (let row = 0; row < rows; row++) {
        for (let step = 0; step < steps; step++) {
          for (let v = 0; v < vocab; v++) {
            const at = (row * inputs.maxNewTokens + step) * vocab + v;
            generationMaxAbs = Math.max(generationMaxAbs, Math.abs(variant[side].stepLogits.data[at] - reference[side].stepLogits.data[at]));
          }
        }
      }
    }
    rows.push({ divergence: name, description, promptMaxAbs, generationMaxAbs, firstTokenChange });
  }
  return rows;
}

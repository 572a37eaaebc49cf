import { InputError } from '../../reference/errors.js';
import { SafetensorsFile, withSafetensors } from '../../reference/io/safetensors.js';
import type { Mamba2Model } from '../../reference/model/model.js';
import { withRoundedWeights } from '../../reference/model/precision-emulation.js';
import type { Precision } from '../../reference/tensor/precision.js';
import { generate, type CausalLM } from '../../reference/model/generate.js';

import type { Semantics } from '../../reference/model/semantics.js';
import type { Tensor } from '../../reference/tensor/tensor.js';
import { GATE_TAG } from './tolerances.js';

/** HF fixtures store f64 logits as float32: 1e-4 absolute covers that rounding with margin. */
export const LOGITS_TOLERANCE = 1e-4;

export interface OracleLogitsRow {
  readonly case: string;
  readonly against: string;
  readonly maxAbs: number;
  /** rows against f64 gate; others (f32, cuda_*) show how far HF's own lower precisions are */
  readonly pass: boolean;
}

export interface OracleSequenceRow {
  readonly name: string;
  readonly match: boolean;
  /** first index (into the sequence) where the tokens differ, null when they match */
  readonly firstDiff: number | null;
}

/** The JSON of `ssdcheck model --json` (issue 3). */
export interface OracleResult {
  readonly pass: boolean;
  readonly semantics: Semantics;
  readonly impl: string;
  readonly logitsTolerance: number;
  readonly sequencesGate: boolean;
  readonly logits: OracleLogitsRow[];
  readonly sequences: OracleSequenceRow[];
}

/**
 * max |a - e| over the positions compared: all of them in hf mode (HF defines its outputs at
 * padded positions), the real ones in reference mode (there padded outputs are undefined).
 */
export function maxAbsLogits(actual: Tensor, expected: Tensor, mask: Tensor | undefined, caseName: string): number {
  if (actual.data.length !== expected.data.length) throw new InputError(`oracle: ${caseName} logits`, `${actual.data.length} values`, `${expected.data.length}`);
  const vocab = actual.shape[2];
  let max = 0;
  for (let i = 0; i < actual.data.length; i++) {
    if (mask && mask.data[Math.floor(i / vocab)] === 0) continue;
    const diff = Math.abs(actual.data[i] - expected.data[i]);
    if (!(diff <= max)) max = diff; // NaN sticks
  }
  return max;
}

function compareSequences(name: string, actual: Tensor, expected: Tensor): OracleSequenceRow {
  const a = Array.from(actual.data);
  const e = Array.from(expected.data);
  let firstDiff: number | null = null;
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) {
      firstDiff = i;
      break;
    }
  }
  return { name, match: firstDiff === null && actual.shape.join() === expected.shape.join(), firstDiff };
}

function tagsFor(file: SafetensorsFile, suffix: string): string[] {
  const tags = file.names().filter((n) => n.endsWith(suffix)).map((n) => n.slice(0, -suffix.length));
  return tags.filter((tag) => tag.length > 0 && !tag.includes('.')).sort();
}

/** Runs every case an oracle file holds (keys as in the fixtures README) and compares. */
export interface OracleCheckOptions {
  /** max abs logits allowed against f64 (default 1e-4) */
  readonly logitsTolerance?: number;
  /** whether greedy sequences gate the result (default true; reduced precision may flip near ties) */
  readonly sequencesGate?: boolean;
}

export async function checkOracle(model: CausalLM, oraclePath: string, semantics: Semantics, options: OracleCheckOptions = {}): Promise<OracleResult> {
  const tolerance = options.logitsTolerance ?? LOGITS_TOLERANCE;
  const file = SafetensorsFile.open(oraclePath);
  try {
    const logits: OracleLogitsRow[] = [];
    const sequences: OracleSequenceRow[] = [];
    const row = (caseName: string, tag: string, maxAbs: number) => logits.push({ case: caseName, against: tag, maxAbs, pass: tag !== GATE_TAG || maxAbs <= tolerance });
    const cases = file.names().filter((n) => n.endsWith('.input_ids')).map((n) => n.slice(0, -'.input_ids'.length)).sort();
    if (cases.length === 0) throw new InputError(oraclePath, 'an oracle with {case}.input_ids tensors', `none among ${file.names().length} tensors`);
    for (const caseName of cases) {
      const inputIds = file.read(`${caseName}.input_ids`);
      const attentionMask = file.has(`${caseName}.attention_mask`) ? file.read(`${caseName}.attention_mask`) : undefined;
      const out = await model.forward({ inputIds, attentionMask }, { semantics });
      const compared = semantics === 'reference' ? attentionMask : undefined;
      for (const tag of tagsFor(file, `.${caseName}.logits`)) row(caseName, tag, maxAbsLogits(out.logits, file.read(`${tag}.${caseName}.logits`), compared, caseName));
      if (file.has(`${caseName}.generate`)) {
        const expected = file.read(`${caseName}.generate`);
        const run = await generate(model, { inputIds, attentionMask }, generationOptions(model, semantics, expected.shape[1] - inputIds.shape[1], true));
        sequences.push(compareSequences(`${caseName}.generate`, run.sequences, expected));
      }
    }
    // generate_{cached,uncached}: greedy from the left-padded batch (fixtures README).
    for (const [name, useCache] of [['generate_cached', true], ['generate_uncached', false]] as const) {
      if (!file.has(`${name}.sequences`) || !file.has('left.input_ids')) continue;
      const prompt = { inputIds: file.read('left.input_ids'), attentionMask: file.has('left.attention_mask') ? file.read('left.attention_mask') : undefined };
      const expected = file.read(`${name}.sequences`);
      const run = await generate(model, prompt, generationOptions(model, semantics, expected.shape[1] - prompt.inputIds.shape[1], useCache));
      sequences.push(compareSequences(name, run.sequences, expected));
      for (const tag of tagsFor(file, `.${name}.logits`)) {
        const reference = file.read(`${tag}.${name}.logits`);
        row(name, tag, run.logits.data.length === reference.data.length ? maxAbsLogits(run.logits, reference, undefined, name) : NaN);
      }
    }
    const gated = logits.filter((r) => r.against === GATE_TAG);
    const pass = gated.length > 0 && gated.every((r) => r.pass) && (options.sequencesGate === false || sequences.every((s) => s.match));
    return { pass, semantics, impl: model.impl, logitsTolerance: tolerance, sequencesGate: options.sequencesGate !== false, logits, sequences };
  } finally {
    file.close();
  }
}

/** HF's generate takes eos and pad from the model's config. */
function generationOptions(model: CausalLM, semantics: Semantics, maxNewTokens: number, useCache: boolean) {
  return { semantics, maxNewTokens, useCache, eosTokenId: model.config.eos_token_id, padTokenId: model.config.pad_token_id };
}

/**
 * The error of the float64 reference emulating `precision` (rounded weights and activations)
 * on the oracle's prompts, as max abs logits against the exact reference: the naive baseline
 * a reduced-precision model is held to (2x, plus the float64 tolerance).
 */
export function emulatedLogitsError(model: Mamba2Model, oraclePath: string, semantics: Semantics, precision: Precision): number {
  const emulated = withRoundedWeights(model, precision);
  return withSafetensors(oraclePath, (file) => {
    let max = 0;
    for (const name of file.names().filter((n) => n.endsWith('.input_ids'))) {
      const caseName = name.slice(0, -'.input_ids'.length);
      const inputs = { inputIds: file.read(name), attentionMask: file.has(`${caseName}.attention_mask`) ? file.read(`${caseName}.attention_mask`) : undefined };
      const exact = model.forward(inputs, { semantics });
      const rounded = emulated.forward(inputs, { semantics, activationPrecision: precision });
      max = Math.max(max, maxAbsLogits(rounded.logits, exact.logits, semantics === 'reference' ? inputs.attentionMask : undefined, caseName));
    }
    return max;
  });
}

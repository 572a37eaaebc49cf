import { InputError, requireInteger } from '../errors.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import type { ForwardInputs, ForwardOutputs, ModelCache } from './model.js';
import type { Mamba2Config } from './config.js';
import { argmax } from './ops.js';
import type { ForwardOptions, ResolvedOptions } from './semantics.js';

export interface GenerateOptions extends ForwardOptions {
  readonly maxNewTokens: number;
  /** false: recompute the whole sequence at every step (the cache's oracle) */
  readonly useCache?: boolean;
  /** a row that emits it is finished: later tokens are padTokenId; all finished ends early */
  readonly eosTokenId?: number | null;
  /** default: eosTokenId, as HF's generate falls back to */
  readonly padTokenId?: number | null;
}

export interface GenerateOutputs {
  /** (b, l + steps): the prompt (with its padding) then the new tokens */
  readonly sequences: Tensor;
  /** (b, steps, vocab): the logits each new token was chosen from */
  readonly logits: Tensor;
}

/**
 * Where each row's next token is read from after the prompt. HF reads the last position,
 * whatever the padding; the reference reads each row's last real token, so that generation
 * after right padding continues from it (docs: semantics section 5).
 */
function promptEnds(mask: Float64Array | undefined, b: number, l: number, hf: boolean): number[] {
  return Array.from({ length: b }, (_, row) => {
    if (hf || !mask) return l - 1;
    for (let t = l - 1; t >= 0; t--) if (mask[row * l + t] === 1) return t;
    throw new InputError('attentionMask', 'at least one real token (1) in every row', `row ${row} all padding`);
  });
}

/**
 * What generation needs of a model: the float64 reference (Mamba2Model) and the ONNX graphs
 * (onnx/model.ts) both provide it. Continuations from a cache come one token at a time.
 */
export interface CausalLM {
  /** which implementation this is, for reports: `reference`, `onnx-cpu-fp32`, ... */
  readonly impl: string;
  readonly config: Mamba2Config;
  forward(inputs: ForwardInputs, options: ForwardOptions): ForwardOutputs | Promise<ForwardOutputs>;
  resolveOptions(options: ForwardOptions): ResolvedOptions;
}

/** Greedy decoding, batched, with or without the cache. */
export async function generate(model: CausalLM, prompt: { inputIds: Tensor; attentionMask?: Tensor }, options: GenerateOptions): Promise<GenerateOutputs> {
  requireInteger('maxNewTokens', options.maxNewTokens, 0);
  const vocab = model.config.vocab_size;
  const eos = options.eosTokenId ?? null;
  const pad = options.padTokenId ?? eos;
  for (const [name, id] of [['eosTokenId', eos], ['padTokenId', pad]] as const) {
    if (id !== null) requireInteger(name, id, 0, vocab - 1);
  }
  const [b, l] = prompt.inputIds.shape;
  const forwardOptions: ForwardOptions = { semantics: options.semantics, behaviour: options.behaviour, form: options.form, chunkSize: options.chunkSize, activationPrecision: options.activationPrecision };
  const first = await model.forward(prompt, forwardOptions); // validates the prompt
  const ends = promptEnds(prompt.attentionMask?.data, b, l, model.resolveOptions(forwardOptions).behaviour.padding === 'hf');
  const rows: number[][] = Array.from({ length: b }, (_, row) => Array.from(prompt.inputIds.data.subarray(row * l, (row + 1) * l)));
  const maskRows: number[][] = Array.from({ length: b }, (_, row) => (prompt.attentionMask ? Array.from(prompt.attentionMask.data.subarray(row * l, (row + 1) * l)) : new Array<number>(l).fill(1)));
  const stepLogits: Float64Array[] = [];
  const finished = new Array<boolean>(b).fill(false);
  // The logits the next token is chosen from: (b, vocab), one row per batch row.
  let next: Float64Array = Float64Array.from({ length: b * vocab }, (_, i) => first.logits.data[(Math.floor(i / vocab) * l + ends[Math.floor(i / vocab)]) * vocab + (i % vocab)]);
  let cache: ModelCache = first.cache;
  for (let step = 0; step < options.maxNewTokens && !finished.every(Boolean); step++) {
    stepLogits.push(next);
    const tokens = rows.map((_, row) => (finished[row] && pad !== null ? pad : argmax(next, row * vocab, vocab)));
    tokens.forEach((token, row) => {
      rows[row].push(token);
      maskRows[row].push(1);
      if (eos !== null && token === eos) finished[row] = true;
    });
    if (step + 1 === options.maxNewTokens || finished.every(Boolean)) break;
    if (options.useCache === false) {
      const length = rows[0].length;
      const out = await model.forward({ inputIds: tensor([b, length], rows.flat()), attentionMask: prompt.attentionMask ? tensor([b, length], maskRows.flat()) : undefined }, forwardOptions);
      next = Float64Array.from({ length: b * vocab }, (_, i) => out.logits.data[(Math.floor(i / vocab) * length + length - 1) * vocab + (i % vocab)]);
    } else {
      // HF drops the attention mask after the prefill: every new token is real.
      const out = await model.forward({ inputIds: tensor([b, 1], tokens), cache }, forwardOptions);
      next = out.logits.data;
      cache = out.cache;
    }
  }
  const steps = stepLogits.length;
  const logits = new Float64Array(b * steps * vocab); // (b, steps, vocab)
  stepLogits.forEach((s, step) => {
    for (let row = 0; row < b; row++) logits.set(s.subarray(row * vocab, (row + 1) * vocab), (row * steps + step) * vocab);
  });
  return { sequences: tensor([b, l + steps], rows.flat()), logits: tensor([b, steps, vocab], logits) };
}

import { InputError } from '../../reference/errors.js';
import { parseLimit } from '../../reference/ssd/case-file.js';
import { Mamba2Model } from '../../reference/model/model.js';
import { nonNegativeInteger, positiveInteger, stringOption, type Command } from '../args.js';
import { measureDivergences, seededPrompts } from '../checks/divergence.js';
import { loadForCli } from '../load-model.js';
import { formatError, formatTable } from '../table.js';

export const divergeCommand: Command = {
  name: 'diverge',
  summary: 'measure how far HF (transformers 5.17) is from the reference semantics on a checkpoint',
  usage: `ssdcheck diverge <checkpoint-dir> [options]

Runs the same prompts (three rows of lengths 24, 13, 5 drawn with --seed, as a left-padded and
a right-padded batch, then greedy generation with the cache) in the reference semantics and
with each divergence of the semantics doc switched to HF's behaviour alone, then with all of
them (the hf semantics). Prints, per divergence, the max abs logits difference over the
prompts' real positions and over the generated steps, and the first generated step whose
greedy token changes.

Options:
  --dt-limit lo,hi       override the config's time_step_limit (the decode clamp divergence
                         shows only where the limit binds)
  --seed N               prompt seed (default 0)
  --max-new-tokens N     default 12
  --json                 print {"checkpoint", "timeStepLimit", "rows": [...]}

Exit code: 0, or 2 on bad input.`,
  options: {
    'dt-limit': { type: 'string' },
    seed: { type: 'string', default: '0' },
    'max-new-tokens': { type: 'string', default: '12' },
    json: { type: 'boolean' },
  },
  async run(positionals, values) {
    if (positionals.length !== 1) throw new InputError('checkpoint', 'one checkpoint folder (ssdcheck diverge <checkpoint-dir>)', `${positionals.length} arguments`);
    const loaded = loadForCli(positionals[0]);
    const limitText = stringOption(values, 'dt-limit');
    const model = limitText === undefined ? loaded : new Mamba2Model({ ...loaded.config, time_step_limit: parseLimit('--dt-limit', limitText) }, loaded.weights);
    const seed = nonNegativeInteger('--seed', stringOption(values, 'seed') ?? '0');
    const maxNewTokens = positiveInteger('--max-new-tokens', stringOption(values, 'max-new-tokens') ?? '12');
    const rows = await measureDivergences(model, { rows: seededPrompts(model.config.vocab_size, seed), maxNewTokens });
    const limit = model.config.time_step_limit.map((v) => (v === Infinity ? 'inf' : String(v))).join(',');
    if (values.json) {
      console.log(JSON.stringify({ checkpoint: positionals[0], timeStepLimit: limit, rows }));
      return 0;
    }
    const change = (step: number | null) => (step === null ? 'no' : `step ${step}`);
    console.log(`${positionals[0]}: groups ${model.config.n_groups}, use_bias ${model.config.use_bias}, time_step_limit ${limit}`);
    console.log(formatTable(
      ['divergence', 'prompt logits max abs', 'generation logits max abs', 'tokens change (left)', 'tokens change (right)'],
      rows.map((r) => [r.divergence, formatError(r.promptMaxAbs), formatError(r.generationMaxAbs), change(r.firstTokenChange.left), change(r.firstTokenChange.right)]),
    ));
    console.log();
    for (const r of rows) console.log(`${r.divergence}: ${r.description}`);
    return 0;
  },
};

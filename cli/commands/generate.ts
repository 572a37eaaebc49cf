import { InputError } from '../../reference/errors.js';
import { generate } from '../../reference/model/generate.js';
import { SEMANTICS } from '../../reference/model/semantics.js';
import { padRows } from '../../reference/model/padding.js';
import { choice, positiveInteger, stringOption, type Command, type OptionValues } from '../args.js';
import { loadForCli } from '../load-model.js';

function parseIds(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new InputError('--ids', 'comma-separated token ids (e.g. 5,17,3)', JSON.stringify(text));
  return parts.map(Number);
}

function tokenOption(values: OptionValues, name: string, fallback: number | null): number | null {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  if (text === 'none') return null;
  if (!/^\d+$/.test(text)) throw new InputError(`--${name}`, 'a token id or "none"', JSON.stringify(text));
  return Number(text);
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'greedy generation with the reference model',
  usage: `ssdcheck generate <checkpoint-dir> --ids 5,17,3 [--ids 8,2 ...] [options]

Greedy decoding; prints each row's generated token ids, one line per row. Several --ids make a
batch, padded to the longest row on --padding-side with the pad token.

Options:
  --ids a,b,c                   a prompt (repeat for a batch)
  --max-new-tokens N            default 12
  --no-cache                    recompute the whole sequence at every step instead of using the cache
  --semantics reference|hf      default reference
  --padding-side left|right     default left
  --eos-token-id N|none         default: the config's eos_token_id (a row stops there)
  --pad-token-id N|none         default: the config's pad_token_id (padding, and after eos)
  --json                        print {"rows": [{"prompt": [...], "generated": [...]}]}

Exit code: 0, or 2 on bad input.`,
  options: {
    ids: { type: 'string', multiple: true },
    'max-new-tokens': { type: 'string', default: '12' },
    'no-cache': { type: 'boolean' },
    semantics: { type: 'string', default: 'reference' },
    'padding-side': { type: 'string', default: 'left' },
    'eos-token-id': { type: 'string' },
    'pad-token-id': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(positionals, values) {
    if (positionals.length !== 1) throw new InputError('checkpoint', 'one checkpoint folder (ssdcheck generate <checkpoint-dir>)', `${positionals.length} arguments`);
    const idTexts = (values.ids as string[] | undefined) ?? [];
    if (idTexts.length === 0) throw new InputError('--ids', 'at least one prompt (--ids 5,17,3)', 'none');
    const prompts = idTexts.map(parseIds);
    const semantics = choice('--semantics', stringOption(values, 'semantics') ?? 'reference', SEMANTICS);
    const side = choice('--padding-side', stringOption(values, 'padding-side') ?? 'left', ['left', 'right'] as const);
    const maxNewTokens = positiveInteger('--max-new-tokens', stringOption(values, 'max-new-tokens') ?? '12');
    const model = loadForCli(positionals[0]);
    const eosTokenId = tokenOption(values, 'eos-token-id', model.config.eos_token_id);
    const padTokenId = tokenOption(values, 'pad-token-id', model.config.pad_token_id);
    const width = Math.max(...prompts.map((p) => p.length));
    const { inputIds, attentionMask } = padRows(prompts, side, padTokenId ?? 0);
    const padded = prompts.some((p) => p.length < width);
    const out = await generate(model, { inputIds, attentionMask: padded ? attentionMask : undefined }, {
      maxNewTokens, useCache: !values['no-cache'], semantics, eosTokenId, padTokenId,
    });
    const total = out.sequences.shape[1];
    const rows = prompts.map((prompt, row) => ({ prompt, generated: Array.from(out.sequences.data.subarray(row * total + width, (row + 1) * total)) }));
    if (values.json) console.log(JSON.stringify({ rows }));
    else for (const r of rows) console.log(r.generated.join(','));
    return 0;
  },
};

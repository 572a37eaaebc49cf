import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../reference/errors.js';
import { SEMANTICS } from '../../reference/model/semantics.js';
import { choice, stringOption, type Command } from '../args.js';
import { checkModel } from '../checks/model-check.js';
import { LOGITS_TOLERANCE, type OracleResult } from '../checks/model-oracle.js';
import { IMPL_HELP, IMPL_OPTIONS, readImplChoice } from '../impl-options.js';
import { loadForCli } from '../load-model.js';
import { formatError, formatTable } from '../table.js';

export function printOracleResult(name: string, result: OracleResult): void {
  console.log(`${name}: ${result.impl}, ${result.semantics} semantics`);
  console.log(formatTable(['case', 'against', 'max abs logits', 'result'], result.logits.map((r) => [r.case, r.against, formatError(r.maxAbs), r.pass ? 'pass' : 'FAIL'])));
  console.log();
  console.log(formatTable(['sequence', 'greedy tokens', 'first difference'], result.sequences.map((s) => [s.name, s.match ? 'match' : 'DIFFER', s.firstDiff === null ? '' : String(s.firstDiff)])));
  const sequences = result.sequencesGate ? ' and every sequence equal' : ' (sequences reported, not gating: reduced precision)';
  console.log(`${result.pass ? 'PASS' : 'FAIL'}: f64 logits within ${result.logitsTolerance.toExponential(2)}${sequences} gate the result; other tags show HF's own lower precisions`);
}

export const modelCommand: Command = {
  name: 'model',
  summary: 'check the reference model against an HF oracle file (logits and greedy sequences)',
  usage: `ssdcheck model <checkpoint-dir> [--oracle oracle.safetensors] [options]

Loads an HF Mamba2ForCausalLM checkpoint (config.json + model.safetensors or a sharded index;
fp32, fp16 or bf16) and runs every case the oracle holds (keys as in the fixtures README:
full, left, right, single*, generate_*): per case the max abs logits difference against each
{tag}.* tensor present (f64, f32, cuda_f32, cuda_bf16), and whether the greedy sequences match.
In reference semantics only real (unpadded) positions are compared.

Options:
  --oracle file             the oracle (default: <checkpoint-dir>/oracle.safetensors)
  --semantics reference|hf  default reference
  --json                    print one JSON object instead of tables
  --verbose                 print stack traces of errors
${IMPL_HELP}

Exit code: 0 when every f64 case is within ${LOGITS_TOLERANCE} (fp16: 2x the emulated fp16 error
+ ${LOGITS_TOLERANCE}) and every sequence matches (not gating for fp16), 1 otherwise, 2 on bad
input or a missing execution provider.`,
  options: {
    oracle: { type: 'string' },
    semantics: { type: 'string', default: 'reference' },
    json: { type: 'boolean' },
    ...IMPL_OPTIONS,
  },
  async run(positionals, values) {
    if (positionals.length !== 1) throw new InputError('checkpoint', 'one checkpoint folder (ssdcheck model <checkpoint-dir>)', `${positionals.length} arguments`);
    const semantics = choice('--semantics', stringOption(values, 'semantics') ?? 'reference', SEMANTICS);
    const oracle = stringOption(values, 'oracle') ?? join(positionals[0], 'oracle.safetensors');
    if (!existsSync(oracle)) throw new InputError('--oracle', 'an oracle safetensors file', `${oracle} (not found)`);
    const implChoice = readImplChoice(values);
    const model = loadForCli(positionals[0]);
    const result = await checkModel(model, implChoice, oracle, semantics);
    if (values.json) console.log(JSON.stringify(result));
    else printOracleResult(positionals[0], result);
    return result.pass ? 0 : 1;
  },
};

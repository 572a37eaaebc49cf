import { InputError } from '../../reference/errors.js';
import { parseLimit, readSsdCase } from '../../reference/ssd/case-file.js';
import type { SsdForm } from '../../reference/ssd/index.js';
import { IMPL_HELP, IMPL_OPTIONS, readImplChoice, ssdImplementation } from '../impl-options.js';
import { choice, positiveInteger, stringOption, type Command } from '../args.js';
import { checkSsdCase, type SsdCaseResult } from '../checks/ssd-case.js';
import { formatError, formatTable } from '../table.js';

/** Default chunk size when neither the case's metadata nor --chunk-size gives one. */
export const DEFAULT_CHUNK_SIZE = 64;

export function printSsdResult(result: SsdCaseResult): void {
  const rows = result.results.map((r) => [r.form, r.output, r.against, formatError(r.maxAbs), formatError(r.maxRel), formatError(r.tolerance), r.pass ? 'pass' : 'FAIL']);
  console.log(`case ${result.case}  impl ${result.results[0]?.impl ?? '-'}  chunk size ${result.chunkSize}  dt limit ${result.timeStepLimit}`);
  console.log(formatTable(['form', 'output', 'against', 'max abs', 'max rel', 'tolerance', 'result'], rows));
  console.log(`${result.pass ? 'PASS' : 'FAIL'}: rows against f64 gate the result; other rows show how far those outputs are from the reference`);
}

export const ssdCommand: Command = {
  name: 'ssd',
  summary: 'check the SSD reference forms against a case file (fixture format)',
  usage: `ssdcheck ssd <case.safetensors> [options]

Reads an SSD case (keys x, dt, A, B, C, D, dt_bias, initial_state, optional step.*), runs the
chosen reference forms and prints, for every expected output in the file (f64.*, triton_*.*,
step.*), the max abs and max relative (max|a-e| / max|e|) difference.

Options:
  --form quadratic|recurrent|chunked|all   forms to run (default: all the implementation has;
                        ONNX has chunked and quadratic graphs)
  --chunk-size q        chunk size of the chunked form (default: the case's metadata, else ${DEFAULT_CHUNK_SIZE})
  --dt-limit lo,hi      time_step_limit (default: the case's metadata, else 0,inf)
  --json                print one JSON object instead of a table
  --verbose             print stack traces of errors
${IMPL_HELP}

Exit code: 0 when every output against f64 is within tolerance (reference 1e-9 relative,
float32 1e-5, fp16 2x the naive fp16 baseline), 1 otherwise, 2 on bad input or a missing
execution provider.`,
  options: {
    form: { type: 'string' },
    'chunk-size': { type: 'string' },
    'dt-limit': { type: 'string' },
    json: { type: 'boolean' },
    ...IMPL_OPTIONS,
  },
  async run(positionals, values) {
    if (positionals.length !== 1) throw new InputError('case', 'one case file (ssdcheck ssd <case.safetensors>)', `${positionals.length} arguments`);
    const impl = ssdImplementation(readImplChoice(values));
    const form = choice('--form', stringOption(values, 'form') ?? 'all', [...impl.forms, 'all'] as const);
    const forms: readonly SsdForm[] = form === 'all' ? impl.forms : [form];
    const c = readSsdCase(positionals[0]);
    const chunkOption = stringOption(values, 'chunk-size');
    const limitOption = stringOption(values, 'dt-limit');
    const chunkSize = chunkOption !== undefined ? positiveInteger('--chunk-size', chunkOption) : c.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const timeStepLimit = limitOption !== undefined ? parseLimit('--dt-limit', limitOption) : c.inputs.timeStepLimit ?? [0, Infinity];
    const result = await checkSsdCase(c, impl, { forms, chunkSize, timeStepLimit });
    if (values.json) console.log(JSON.stringify(result));
    else printSsdResult(result);
    return result.pass ? 0 : 1;
  },
};

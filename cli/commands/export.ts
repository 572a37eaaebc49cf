import { InputError } from '../../reference/errors.js';
import { SEMANTICS } from '../../reference/model/semantics.js';
import { EXPORT_GRAPHS, exportGraph } from '../../onnx/export.js';
import { choice, positiveInteger, stringOption, type Command } from '../args.js';
import { loadForCli } from '../load-model.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write an ONNX graph (ssd, ssd-quadratic, prefill, step) for a checkpoint',
  usage: `ssdcheck export <checkpoint-dir> --graph ssd|ssd-quadratic|prefill|step --out file.onnx [options]

Builds one of the project's ONNX graphs for a checkpoint (IR version 10, opset 18) and writes
it. ssd and ssd-quadratic take the checkpoint's SSD shape (heads, head dim, groups, state);
prefill and step hold its weights as initializers (in a side file <out>.data beyond 1.5 GB).
Node names follow the model (layers.0/mixer/ssd_chunked/...), readable in Netron.

Inputs and outputs:
  ssd, ssd-quadratic: x, dt, A, B, C, D, dt_bias, initial_state, dt_limit -> y, final_state
  prefill: input_ids, attention_mask -> logits, present.conv_tail.{i}, present.state.{i}
  step:    input_ids (batch, 1), past.conv_tail.{i}, past.state.{i} -> logits, present.*

Options:
  --graph name              which graph (required)
  --out file.onnx           where to write it (required)
  --dtype fp32|fp16         default fp32 (fp16: float16 weights and activations, float32 state)
  --semantics reference|hf  for prefill and step (default reference)
  --chunk-size q            chunk size of the chunked SSD (default: the config's chunk_size)
  --json                    print {"path", "externalData"?, "bytes", "inputs", "outputs"}

Exit code: 0, or 2 on bad input.`,
  options: {
    graph: { type: 'string' },
    out: { type: 'string' },
    dtype: { type: 'string', default: 'fp32' },
    semantics: { type: 'string', default: 'reference' },
    'chunk-size': { type: 'string' },
    json: { type: 'boolean' },
  },
  run(positionals, values) {
    if (positionals.length !== 1) throw new InputError('checkpoint', 'one checkpoint folder (ssdcheck export <checkpoint-dir>)', `${positionals.length} arguments`);
    const graphName = stringOption(values, 'graph');
    if (graphName === undefined) throw new InputError('--graph', `one of ${EXPORT_GRAPHS.join(', ')}`, 'nothing');
    const graph = choice('--graph', graphName, EXPORT_GRAPHS);
    const out = stringOption(values, 'out');
    if (out === undefined) throw new InputError('--out', 'a file to write (file.onnx)', 'nothing');
    const precision = choice('--dtype', stringOption(values, 'dtype') ?? 'fp32', ['fp32', 'fp16'] as const);
    const semantics = choice('--semantics', stringOption(values, 'semantics') ?? 'reference', SEMANTICS);
    const model = loadForCli(positionals[0]);
    const chunkText = stringOption(values, 'chunk-size');
    const chunkSize = chunkText === undefined ? model.config.chunk_size : positiveInteger('--chunk-size', chunkText);
    let result;
    try {
      result = exportGraph(model, { graph, precision, semantics, chunkSize }, out);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code) throw new InputError('--out', 'a writable file', `${out} (${(error as NodeJS.ErrnoException).code})`);
      throw error;
    }
    if (values.json) {
      console.log(JSON.stringify(result));
      return 0;
    }
    const ports = (list: typeof result.inputs) => list.map((p) => `${p.name} ${p.dtype}(${p.dims.join(', ')})`).join('\n    ');
    console.log(`wrote ${result.path} (${(result.bytes / 2 ** 20).toFixed(2)} MiB${result.externalData ? `, weights in ${result.externalData}` : ''})`);
    console.log(`  inputs:\n    ${ports(result.inputs)}\n  outputs:\n    ${ports(result.outputs)}`);
    return 0;
  },
};

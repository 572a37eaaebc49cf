import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../onnx/runtime/providers.js';
import { OnnxSession } from '../../onnx/runtime/session.js';
import { buildSsdGraph } from '../../onnx/graphs/ssd-graph.js';

/** The provider the ONNX properties run on: SSDCHECK_EP (cpu by default; webgpu on the GPU host). */
export const PROVIDER: ExecutionProvider = (() => {
  const value = process.env.SSDCHECK_EP ?? 'cpu';
  if (!(EXECUTION_PROVIDERS as readonly string[]).includes(value)) throw new Error(`SSDCHECK_EP: expected one of ${EXECUTION_PROVIDERS.join(', ')}, got ${JSON.stringify(value)}`);
  return value as ExecutionProvider;
})();

/** null when `provider` can run a small graph here, else why not. */
export async function providerUnavailable(provider: ExecutionProvider): Promise<string | null> {
  try {
    const session = await OnnxSession.create(buildSsdGraph({ dims: { heads: 1, headDim: 1, groups: 1, stateSize: 1 }, form: 'chunked', chunkSize: 1, precision: 'fp32' }).build(), provider);
    await session.release();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

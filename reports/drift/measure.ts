import { join } from 'node:path';
import { measureDivergences, seededPrompts, type DivergenceRow } from '../../cli/checks/divergence.js';
import { cudaSsd, onnxSsd } from '../../cli/checks/ssd-implementations.js';
import { runInfo, type RunInfo } from '../../cli/run-info.js';
import { HF_FIXTURES } from '../../cli/project-paths.js';
import { loadForCli } from '../../cli/load-model.js';
import { CudaModel } from '../../kernels/model.js';
import { cudaStatus } from '../../kernels/native.js';
import { OnnxModel } from '../../onnx/model.js';
import { Progress } from '../render/progress.js';
import { sweepModel, type DriftModelImpl, type ModelDriftRow } from './model-sweep.js';
import { DRIFT_DTYPES, DRIFT_SSD_DIMS, sweepSsd, type DriftSsdImpl, type SsdDriftRow, type SsdPoint } from './ssd-sweep.js';

export type DriftImplName = 'reference' | 'onnx' | 'cuda';
export const DRIFT_IMPLS: readonly DriftImplName[] = ['reference', 'onnx', 'cuda'];

export interface DriftOptions {
  readonly impls: readonly DriftImplName[];
  readonly lengths: readonly number[];
  readonly chunkSizes: readonly number[];
  /** the length the chunk-size sweep runs at */
  readonly chunkSweepLength: number;
  /** the chunk size of the length sweep */
  readonly chunk: number;
  /** greedy tokens generated per model run */
  readonly tokens: number;
  readonly seed: number;
  /** the tiny checkpoint of the model part */
  readonly checkpoint: string;
}

export const DEFAULT_DRIFT: DriftOptions = {
  impls: DRIFT_IMPLS,
  lengths: Array.from({ length: 11 }, (_, i) => 16 * 2 ** i), // 16 .. 16384
  chunkSizes: [16, 32, 64, 128, 256],
  chunkSweepLength: 4096,
  chunk: 64,
  tokens: 256,
  seed: 0,
  checkpoint: join(HF_FIXTURES, 'tiny-codestral'),
};

export interface DriftReport {
  readonly kind: 'drift';
  readonly title: string;
  readonly run: RunInfo;
  readonly device: string;
  readonly options: DriftOptions;
  readonly ssdDims: typeof DRIFT_SSD_DIMS;
  readonly ssd: readonly SsdDriftRow[];
  readonly model: readonly ModelDriftRow[];
  readonly divergences: readonly DivergenceRow[];
  readonly skipped: readonly { impl: string; dtype: string; reason: string }[];
}

const ONNX_BF16 = 'onnxruntime has no bf16 outputs (its bf16 kernels are partial); the ONNX graphs are fp32 and fp16';

function ssdImpls(names: readonly DriftImplName[], cudaReason: string | undefined): DriftSsdImpl[] {
  const all: Record<DriftImplName, DriftSsdImpl> = {
    reference: { name: 'reference-emulated', forDtype: () => 'emulated' },
    onnx: { name: 'onnx-cpu', forDtype: (d) => (d === 'bf16' ? { skip: ONNX_BF16 } : onnxSsd('cpu', d)) },
    cuda: { name: 'cuda', forDtype: (d) => (cudaReason ? { skip: cudaReason } : cudaSsd(d)) },
  };
  return names.map((n) => all[n]);
}

function modelImpls(names: readonly DriftImplName[], model: ReturnType<typeof loadForCli>, cudaReason: string | undefined): DriftModelImpl[] {
  const all: Record<DriftImplName, DriftModelImpl> = {
    reference: { name: 'reference-emulated', forDtype: () => 'emulated' },
    onnx: { name: 'onnx-cpu', forDtype: (d) => (d === 'bf16' ? { skip: ONNX_BF16 } : new OnnxModel(model, { semantics: 'reference', precision: d, provider: 'cpu' })) },
    cuda: { name: 'cuda', forDtype: (d) => (cudaReason ? { skip: cudaReason } : new CudaModel(model, { semantics: 'reference', dtype: ({ fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' } as const)[d] })) },
  };
  return names.map((n) => all[n]);
}

/**
 * The drift sweep: the SSD layer over lengths (with and without an initial state) and chunk
 * sizes, the tiny model's logits and greedy tokens, and the semantics divergences, for each
 * requested implementation and dtype. An implementation this machine lacks (no CUDA device)
 * is recorded as skipped with the reason, never silently left out.
 */
export async function measureDrift(options: DriftOptions): Promise<DriftReport> {
  const cuda = cudaStatus();
  const cudaReason = cuda.available ? undefined : `no CUDA device: ${cuda.reason}`;
  const lengthPoints: SsdPoint[] = options.lengths.flatMap((length) => [false, true].map((initialState) => ({ length, chunk: options.chunk, initialState })));
  const chunkPoints: SsdPoint[] = options.chunkSizes.filter((q) => q !== options.chunk || !options.lengths.includes(options.chunkSweepLength)).map((chunk) => ({ length: options.chunkSweepLength, chunk, initialState: false }));
  const ssd = ssdImpls(options.impls, cudaReason);
  const total = (lengthPoints.length + chunkPoints.length) * DRIFT_DTYPES.length * ssd.length + options.impls.length * DRIFT_DTYPES.length + 1;
  const progress = new Progress('drift', total);
  const swept = await sweepSsd([...lengthPoints, ...chunkPoints], ssd, progress, options.seed);
  const model = loadForCli(options.checkpoint);
  const models = await sweepModel(model, modelImpls(options.impls, model, cudaReason), options.tokens, options.seed, progress);
  const divergences = await measureDivergences(model, { rows: seededPrompts(model.config.vocab_size, options.seed), maxNewTokens: 12 });
  progress.tick('semantics divergences');
  progress.finish();
  return {
    kind: 'drift',
    title: 'ssdcheck precision drift',
    run: runInfo(),
    device: cuda.available ? `${cuda.device!.name} (CUDA)` : `cpu only (${cudaReason})`,
    options,
    ssdDims: DRIFT_SSD_DIMS,
    ssd: swept.rows,
    model: models.rows,
    divergences,
    skipped: [...swept.skipped, ...models.skipped],
  };
}

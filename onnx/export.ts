import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Mamba2Model } from '../reference/model/model.js';
import type { Semantics } from '../reference/model/semantics.js';
import type { GraphBuilder } from './graph/builder.js';
import { buildPrefillGraph, buildStepGraph } from './graphs/model-graph.js';
import { buildSsdGraph, type GraphPrecision } from './graphs/ssd-graph.js';
import { readPorts, type Port } from './runtime/session.js';

export type ExportGraph = 'ssd' | 'ssd-quadratic' | 'prefill' | 'step';
export const EXPORT_GRAPHS: readonly ExportGraph[] = ['ssd', 'ssd-quadratic', 'prefill', 'step'];

/** Protobuf cannot serialise a message over 2 GB: above this the weights go to a side file. */
export const EXTERNAL_DATA_THRESHOLD = 1.5 * 2 ** 30;

export interface ExportSpec {
  readonly graph: ExportGraph;
  readonly precision: GraphPrecision;
  readonly semantics: Semantics;
  readonly chunkSize: number;
}

export interface ExportResult {
  readonly path: string;
  readonly externalData?: string;
  readonly bytes: number;
  readonly inputs: Port[];
  readonly outputs: Port[];
}

function build(model: Mamba2Model, spec: ExportSpec): GraphBuilder {
  const m = model.dims;
  if (spec.graph === 'ssd' || spec.graph === 'ssd-quadratic') {
    const dims = { heads: m.heads, headDim: m.headDim, groups: m.groups, stateSize: m.stateSize };
    return buildSsdGraph({ dims, form: spec.graph === 'ssd' ? 'chunked' : 'quadratic', chunkSize: spec.chunkSize, precision: spec.precision });
  }
  const graphSpec = { config: model.config, weights: model.weights, semantics: spec.semantics, precision: spec.precision, chunkSize: spec.chunkSize };
  return spec.graph === 'prefill' ? buildPrefillGraph(graphSpec) : buildStepGraph(graphSpec);
}

/** Builds one graph for a checkpoint's shapes (and weights) and writes it to `path`. */
export function exportGraph(model: Mamba2Model, spec: ExportSpec, path: string): ExportResult {
  const graph = build(model, spec);
  const location = graph.bytesOfWeights > EXTERNAL_DATA_THRESHOLD ? `${basename(path)}.data` : undefined;
  const built = graph.build(location);
  writeFileSync(path, built.model);
  if (built.externalData) writeFileSync(join(dirname(path), built.externalData.location), built.externalData.bytes);
  const ports = readPorts(built.model);
  return {
    path,
    externalData: built.externalData && join(dirname(path), built.externalData.location),
    bytes: built.model.length + (built.externalData?.bytes.length ?? 0),
    ...ports,
  };
}

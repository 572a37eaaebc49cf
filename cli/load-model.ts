import { loadCheckpoint } from '../reference/model/checkpoint.js';
import type { Mamba2Model } from '../reference/model/model.js';

/** Loads a checkpoint and reports, on stderr, tensors the config does not use (as HF warns). */
export function loadForCli(dir: string): Mamba2Model {
  const { model, unexpected } = loadCheckpoint(dir);
  if (unexpected.length > 0) console.error(`ssdcheck: note: ${dir} holds ${unexpected.length} tensor(s) the config does not use: ${unexpected.join(', ')}`);
  return model;
}

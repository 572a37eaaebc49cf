import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HF_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/hf-mamba2', import.meta.url));

/** Every bundled HF checkpoint folder; an empty folder is an error, not a vacuous pass. */
export function hfCheckpointDirs(): string[] {
  const dirs = readdirSync(HF_FIXTURE_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(HF_FIXTURE_DIR, e.name)).sort();
  if (dirs.length === 0) throw new Error(`no HF checkpoints in ${HF_FIXTURE_DIR}`);
  return dirs;
}

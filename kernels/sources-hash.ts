import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KERNEL_DIRS = ['src', 'binding'].map((d) => fileURLToPath(new URL(`./${d}`, import.meta.url)));

/**
 * sha256 over the kernel and binding sources (names and contents, sorted): what the GPU gate
 * verified. CI compares it with the committed report, so no kernel change lands unverified.
 */
export function kernelSourcesHash(): string {
  const hash = createHash('sha256');
  for (const dir of KERNEL_DIRS) {
    for (const name of readdirSync(dir).sort()) {
      hash.update(`${dir.split('/').slice(-1)[0]}/${name}\n`);
      hash.update(readFileSync(join(dir, name)));
    }
  }
  return hash.digest('hex');
}

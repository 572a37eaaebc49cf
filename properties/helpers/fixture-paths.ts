import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SSD_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/ssd', import.meta.url));

/** Every bundled SSD case file; an empty folder is an error, not a vacuous pass. */
export function ssdFixtureFiles(): string[] {
  const files = readdirSync(SSD_FIXTURE_DIR).filter((f) => f.endsWith('.safetensors')).sort();
  if (files.length === 0) throw new Error(`no SSD fixtures in ${SSD_FIXTURE_DIR}`);
  return files.map((f) => join(SSD_FIXTURE_DIR, f));
}

import { fileURLToPath } from 'node:url';

/** The project root, wherever the CLI is started from (this file lives in cli/). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SSD_FIXTURES = fileURLToPath(new URL('../properties/fixtures/ssd', import.meta.url));
export const HF_FIXTURES = fileURLToPath(new URL('../properties/fixtures/hf-mamba2', import.meta.url));
export const DEFAULT_REPORT_DIR = fileURLToPath(new URL('../reports/out', import.meta.url));

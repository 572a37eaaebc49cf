import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../cli/ssdcheck.mjs', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ssdcheck ...args` as a user would, in a separate process. */
export function runCli(args: readonly string[]): CliResult {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf-8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

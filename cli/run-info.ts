import { execFileSync } from 'node:child_process';
import { arch, cpus, platform } from 'node:os';
import { PROJECT_ROOT } from './project-paths.js';

/** What a report records about the run that made it. */
export interface RunInfo {
  readonly date: string;
  readonly commit: string;
  readonly node: string;
  readonly platform: string;
  readonly cpu: string;
}

function gitCommit(): string {
  // A bundle on a GPU host travels without .git: the sender passes the commit along.
  if (process.env.SSDCHECK_COMMIT) return process.env.SSDCHECK_COMMIT;
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function runInfo(): RunInfo {
  return {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    platform: `${platform()}-${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
  };
}

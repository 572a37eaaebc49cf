/**
 * A progress bar with an ETA for long sweeps, redrawn in place on a terminal; silent when
 * stderr is not a TTY (CI logs, pipes), where only the caller's own summary lines appear.
 */
export class Progress {
  private done = 0;
  private readonly started = performance.now();
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string, private readonly total: number) {}

  /** One unit of work finished; `what` names the next or the last one. */
  tick(what: string): void {
    this.done++;
    if (!this.tty) return;
    const fraction = this.total === 0 ? 1 : this.done / this.total;
    const elapsed = (performance.now() - this.started) / 1000;
    const eta = fraction > 0 ? elapsed / fraction - elapsed : 0;
    const width = 28;
    const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
    const line = `${this.label} [${bar}] ${this.done}/${this.total} ETA ${formatSeconds(eta)}  ${what}`;
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 100) - 1).padEnd((process.stderr.columns ?? 100) - 1)}`);
  }

  finish(): void {
    if (this.tty) process.stderr.write(`\r${' '.repeat((process.stderr.columns ?? 100) - 1)}\r`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

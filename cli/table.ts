/** Plain-text table with left-aligned columns, for terminal output. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, col) => Math.max(title.length, ...rows.map((r) => r[col].length)));
  const line = (cells: readonly string[]) => cells.map((cell, col) => cell.padEnd(widths[col])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatError(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value.toExponential(2);
}

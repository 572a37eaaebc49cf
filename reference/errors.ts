/**
 * Bad input is reported as an InputError whose message names the argument, what was expected
 * and what was received, so a CLI can print it as one line and a caller can tell it apart from
 * a bug (any other Error).
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${argument}: expected ${expected}, got ${actual}`);
  }
}

export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}

/** Throws unless `value` is an integer in [min, max]. */
export function requireInteger(argument: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new InputError(argument, range, String(value));
  }
}

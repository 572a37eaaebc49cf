import { expect } from 'vitest';
import { InputError } from '../../reference/errors.js';

/**
 * Asserts that `run` throws an InputError. A string names the argument the error must name
 * (and its message must read "<argument>: expected ..., got ..."); a RegExp must match the message.
 */
export function expectInputError(run: () => unknown, expected: string | RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected an InputError (${expected})`).toBeInstanceOf(InputError);
  const error = caught as InputError;
  if (typeof expected === 'string') {
    expect(error.argument).toBe(expected);
    expect(error.message).toMatch(new RegExp(`^${expected}: expected .+, got .+`));
  } else {
    expect(error.message).toMatch(expected);
  }
}

/** The same for an async call. */
export async function expectInputErrorAsync(run: () => Promise<unknown>, expected: string | RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expectInputError(() => {
    if (caught !== undefined) throw caught;
  }, expected);
}

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../reference/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** A subcommand: its options, its help text, and what it does (returns the exit code). */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpec;
  run(positionals: string[], values: OptionValues): Promise<number> | number;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** The value of a string option (the last one when repeated), or undefined when absent. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (Array.isArray(value)) return stringOption({ [name]: value[value.length - 1] }, name);
  return typeof value === 'string' ? value : undefined;
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
};

/** Parses argv for a command; unknown options and missing values are InputErrors (exit 2). */
export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    // node's messages run to several lines of advice; the first says what is wrong.
    throw new InputError(`ssdcheck ${command.name}`, `options as in --help`, (error as Error).message.split('\n')[0]);
  }
}

export function choice<T extends string>(argument: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(argument, `one of ${allowed.join(', ')}`, JSON.stringify(value));
  return value as T;
}

export function positiveInteger(argument: string, value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < 1) throw new InputError(argument, 'an integer >= 1', JSON.stringify(value));
  return parsed;
}

export function nonNegativeInteger(argument: string, value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed)) throw new InputError(argument, 'an integer >= 0', JSON.stringify(value));
  return parsed;
}

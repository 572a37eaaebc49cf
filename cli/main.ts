import { InputError } from '../reference/errors.js';
import { parseCommandArgs, type Command } from './args.js';
import { divergeCommand } from './commands/diverge.js';
import { exportCommand } from './commands/export.js';
import { generateCommand } from './commands/generate.js';
import { modelCommand } from './commands/model.js';
import { reportCommand } from './commands/report.js';
import { ssdCommand } from './commands/ssd.js';
import { verifyCommand } from './commands/verify.js';

const COMMANDS: readonly Command[] = [verifyCommand, ssdCommand, modelCommand, generateCommand, divergeCommand, exportCommand, reportCommand];

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'ssdcheck: reference and verification harness for Mamba-2 (SSD layer and Mamba2ForCausalLM)',
    '',
    'Usage: ssdcheck <command> [options]      (ssdcheck <command> --help for details)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 verified, 1 a check failed, 2 bad input, 3 internal error.',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. Errors never escape as stack traces unless --verbose. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  const verbose = rest.includes('--verbose');
  try {
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new InputError('command', `one of ${COMMANDS.map((c) => c.name).join(', ')}`, JSON.stringify(name));
    const { positionals, values } = parseCommandArgs(command, rest);
    if (values.help) {
      console.log(command.usage);
      return 0;
    }
    return await command.run(positionals, values);
  } catch (error) {
    const bad = error instanceof InputError;
    console.error(`ssdcheck: ${bad ? '' : 'internal error: '}${(error as Error).message}`);
    if (verbose) console.error((error as Error).stack);
    else if (!bad) console.error('(rerun with --verbose for the stack trace)');
    return bad ? 2 : 3;
  }
}

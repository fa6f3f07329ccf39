/**
 * The CLI edge: argv in, exit code out. This is the only module that touches
 * `process` (through createProcessContext). Commands are declared as specs
 * (src/commands/*.ts, listed in ./commands.ts) and run by ./runner.ts; what
 * they need beyond the spec is imported lazily, so `usage --help` stays fast.
 */
import { Command, CommanderError } from 'commander';
import { describeError, EXIT_CODES, exitCodeFor } from '../core/errors.js';
import { loadCommandSpecs } from './commands.js';
import { type CliContext, createProcessContext, readVersion } from './context.js';
import { createSafeOutput, registerCommands, runCommand } from './runner.js';


export async function createProgram(
  context: CliContext,
  onExitCode: (code: number) => void,
  firstWord?: string,
): Promise<Command> {
  const program = new Command('usage')
    .description('Fast, trustworthy analytics over the token-usage logs that LLM agents write.')
    .version(context.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 run-time or data error (incl. unreadable input), 2 usage error, 3 budget breached, 4 the answer is no (validate: malformed lines; pricing: a model has no price).',
    )
    .exitOverride();
  registerCommands(program, await loadCommandSpecs(firstWord), async (spec, args, read) => {
    onExitCode(await runCommand(spec, args, read, context));
  });
  // Subcommands inherit the output settings and the error handling; a flag
  // the command does not take is named together with the command.
  const configure = (command: Command, path: string): void => {
    command
      .configureOutput({
        ...program.configureOutput(),
        outputError: (text, write) => write(text.replace(/^error: unknown option '([^']*)'/, `error: usage ${path} does not take $1`)),
      })
      .exitOverride()
      .showHelpAfterError(`(run \`usage ${path} --help\` for its flags)`);
  };
  for (const command of program.commands) {
    configure(command, command.name());
    for (const nested of command.commands) configure(nested, `${command.name()} ${nested.name()}`);
  }
  return program;
}

/** Runs `usage` with `argv` (without the node and script names); resolves to the exit code. */
export async function main(argv: string[], context: CliContext = createProcessContext(readVersion())): Promise<number> {
  const code = await runMain(argv, context);
  // A closed stdout (`| head`) is quiet and keeps the verdict; any other write failure (a full disk) is an error.
  await context.stdout.flush?.();
  const failure = context.stdout.failure;
  if (failure && failure.code !== 'EPIPE') {
    createSafeOutput(context.stderr).write(`error: cannot write the output: ${describeError(failure)}\n`);
    return EXIT_CODES.runtime;
  }
  await context.stderr.flush?.();
  return code;
}

async function runMain(given: string[], context: CliContext): Promise<number> {
  // No command: a short overview of the default locations instead of help (`usage --help` has that).
  const argv = given.length === 0 ? ['overview'] : given;
  let exitCode: number = EXIT_CODES.ok;
  try {
    const program = await createProgram(
      context,
      (code) => {
        exitCode = code;
      },
      argv[0],
    );
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end the program successfully; every other commander
      // complaint is a bad flag or argument, which is a usage error.
      if (error.exitCode === 0) return EXIT_CODES.ok;
      return EXIT_CODES.usage;
    }
    const stderr = createSafeOutput(context.stderr);
    stderr.write(`error: ${describeError(error)}\n`);
    if (context.env['USAGE_DEBUG'] && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}

/**
 * Typed errors and the one exit-code table (documented in README, "Exit
 * codes"). Each error kind and each command verdict maps to exactly one code
 * here, so no command or report decides a code on its own.
 */

export const EXIT_CODES = {
  /** Success; for `budget`, every check within its limits (warnings included). */
  ok: 0,
  /** A run-time or data error, including any input that could not be read. */
  runtime: 1,
  /** A usage error: a bad flag or value, a missing path, a broken config or price file. */
  usage: 2,
  /** `usage budget`: a limit was breached. */
  budgetBreach: 3,
  /** The answer is no: `validate` found malformed lines, `pricing` found a model with no price. */
  answerNo: 4,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** What a command concluded, before the runner turns it into an exit code. */
export type Verdict = 'ok' | 'no' | 'breach';

const VERDICT_CODES: Readonly<Record<Verdict, ExitCode>> = {
  ok: EXIT_CODES.ok,
  no: EXIT_CODES.answerNo,
  breach: EXIT_CODES.budgetBreach,
};

/**
 * The exit code of a finished run. Unreadable input turns any verdict into a
 * run-time error, except a breach: more data can only add spend, so a breach
 * found in what could be read stands.
 */
export function exitCodeForVerdict(verdict: Verdict, unreadableInput: boolean): ExitCode {
  if (unreadableInput && verdict !== 'breach') return EXIT_CODES.runtime;
  return VERDICT_CODES[verdict];
}

/** The user asked for something impossible: a bad flag, a missing path, a bad config. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The data or the machine failed us at run time: an unreadable file mid-run, a bad line under --strict. */
export class DataError extends Error {
  override readonly name = 'DataError';
}

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT_CODES.usage;
  return EXIT_CODES.runtime;
}

export function describeError(error: unknown): string {
  if (error instanceof UsageError || error instanceof DataError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

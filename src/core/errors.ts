/**
 * Typed errors. Each kind maps to exactly one exit code, in one place
 * (`exitCodeFor`), so the CLI edge never decides codes ad hoc.
 */

export const EXIT_CODES = {
  ok: 0,
  runtime: 1,
  usage: 2,
  budgetBreach: 3,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The user asked for something impossible: a bad flag, a missing path, a bad config. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The data or the machine failed us at run time: an unreadable file mid-run, a bad line under --strict. */
export class DataError extends Error {
  override readonly name = 'DataError';
}

/** A budget limit was crossed; carries no stack-worthy information. */
export class BudgetBreachError extends Error {
  override readonly name = 'BudgetBreachError';
}

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT_CODES.usage;
  if (error instanceof BudgetBreachError) return EXIT_CODES.budgetBreach;
  return EXIT_CODES.runtime;
}

export function describeError(error: unknown): string {
  if (error instanceof UsageError || error instanceof DataError || error instanceof BudgetBreachError) {
    return error.message;
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

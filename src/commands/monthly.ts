import type { CliContext } from '../cli/context.js';
import { type PeriodFlags, runPeriodCommand } from './daily.js';

export function runMonthly(paths: string[], flags: PeriodFlags, context: CliContext): Promise<number> {
  return runPeriodCommand('month', paths, flags, context);
}

import type { CliContext } from '../cli/context.js';
import { type PeriodFlags, runPeriodCommand } from './daily.js';

export function runWeekly(paths: string[], flags: PeriodFlags, context: CliContext): Promise<number> {
  return runPeriodCommand('week', paths, flags, context);
}

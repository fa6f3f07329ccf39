/** `usage weekly`: one row per week, weeks starting on --start-of-week. */
import { createPeriodCommand } from './period-command.js';

export const command = createPeriodCommand('week');

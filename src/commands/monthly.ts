/** `usage monthly`: one row per calendar month. */
import { createPeriodCommand } from './period-command.js';

export const command = createPeriodCommand('month');

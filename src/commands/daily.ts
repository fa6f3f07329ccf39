/** `usage daily`: one row per day (shared with weekly and monthly in ./period-command.ts). */
import { createPeriodCommand } from './period-command.js';

export const command = createPeriodCommand('day');

/**
 * The config file's schema (docs/config.md), apart from ./config.ts so that
 * zod is loaded only when a config file is actually read.
 */
import { z } from 'zod';
import { COST_MODES, type CostMode } from '../pricing/types.js';
import { BUDGET_GROUPS, BUDGET_PERIODS } from '../reports/options.js';
import { isValidTimeZone } from '../time/zone.js';

const pathText = z.string().min(1, 'must not be empty');

export const configSchema = z.strictObject({
  // Editors add "$schema" to get completion; it means nothing to usage.
  $schema: z.string().optional(),
  paths: z.union([pathText, z.array(pathText)]).optional(),
  tz: z
    .string()
    .refine(isValidTimeZone, 'not an IANA time zone (use e.g. UTC or Europe/Berlin)')
    .optional(),
  pricing: pathText.optional(),
  costMode: z.enum(COST_MODES as readonly [CostMode, ...CostMode[]]).optional(),
  // The name `usage export` stamps on this machine's records (docs/export.md).
  machine: z.string().trim().min(1, 'must not be empty').optional(),
  budgets: z
    .strictObject({
      maxCost: z.number().nonnegative().optional(),
      maxTokens: z.number().int().nonnegative().optional(),
      period: z.enum(BUDGET_PERIODS).optional(),
      by: z.enum(BUDGET_GROUPS).optional(),
      warnAt: z.number().gt(0).max(1).optional(),
    })
    .optional(),
});

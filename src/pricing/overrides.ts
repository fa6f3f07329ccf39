/**
 * The `--pricing FILE` override file: prices that replace or add to the
 * built-in data, for private deployments, negotiated prices and local models.
 * The schema is documented in docs/pricing.md; a bad file is one UsageError
 * naming the file and the field.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';
import type { DefaultRule } from './table.js';
import type { PricePeriod } from './types.js';

export interface OverrideModel {
  modelId: string;
  rule: DefaultRule;
  periods: PricePeriod[];
}

export interface OverrideDatabase {
  path: string;
  names: Map<string, OverrideModel>;
}

/** Reads and validates a pricing file; `name` is how errors and reports refer to it (the path as the user wrote it). */
export async function loadPricingFile(path: string, name = path): Promise<OverrideDatabase> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(error));
    throw new UsageError(`Cannot read pricing file ${name}: ${reason}.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Pricing file ${name} is not valid JSON: ${error instanceof Error ? error.message : String(error)}.`);
  }
  // The schema needs zod, which only a run with a pricing file should load.
  const { parsePricingFile } = await import('./overrides-schema.js');
  return parsePricingFile(value, name);
}

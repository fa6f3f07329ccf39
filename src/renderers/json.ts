import { stringifyJson } from './format.js';

/**
 * Machine output. Always a single document ending in a newline. Invisible and
 * control characters from logs are written as \uXXXX escapes (see stringifyJson).
 */
export function renderJson(value: unknown): string {
  return `${stringifyJson(value, 2)}\n`;
}

/**
 * Number formatting for people (src/renderers/format.ts). Integers are
 * grouped by hand to keep Intl (and ICU's start-up cost) out of runs that do
 * not need it; the result must match Intl's en-US grouping.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCompact, formatCost, formatInteger } from '../src/renderers/format.js';

describe('formatInteger', () => {
  const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

  it('groups every safe integer as Intl does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -1e7, max: 1e7 })), (value) => {
        if (Object.is(value, -0)) return;
        expect(formatInteger(value)).toBe(intl.format(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('hands fractions and huge numbers to Intl, and shows -0 as 0', () => {
    expect(formatInteger(1234.6)).toBe('1,235');
    expect(formatInteger(2 ** 60)).toBe(intl.format(2 ** 60));
    expect(formatInteger(-0)).toBe('0');
    expect(formatInteger(-1234567)).toBe('-1,234,567');
  });

  it('keeps compact and money formats as before', () => {
    expect(formatCompact(9_999)).toBe('9,999');
    expect(formatCompact(1_234_567)).toBe('1.2M');
    expect(formatCost(1234.5)).toBe('$1,234.50');
    expect(formatCost(-0.0407)).toBe('-$0.0407');
  });
});

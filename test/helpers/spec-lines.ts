/**
 * Line surgery shared by the property tests of the line schemas
 * (test/schema.test.ts, test/schema-judge.test.ts): values drawn by one walk
 * over the spec vocabulary, each test with its own edges, and broken alike.
 */
import fc from 'fast-check';
import type { Spec } from '../../src/dialects/schema.js';

/** As a replacement: remove the field instead. */
export const MISSING = Symbol('missing');

/** Replaces (or removes) the field `steps` lead to, so that a change lands at any depth of the line. */
export function mutate(spec: Spec<unknown>, value: unknown, steps: readonly number[], replacement: unknown): unknown {
  const objectSpec = spec.kind === 'nullish' ? spec.inner : spec;
  if (steps.length === 0 || objectSpec.kind !== 'object' || typeof value !== 'object' || value === null || Array.isArray(value)) {
    return replacement;
  }
  const keys = Object.keys(objectSpec.shape);
  if (keys.length === 0) return replacement;
  const key = keys[(steps[0] as number) % keys.length] as string;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const changed = mutate(objectSpec.shape[key] as Spec<unknown>, copy[key], steps.slice(1), replacement);
  if (changed === MISSING) delete copy[key];
  else copy[key] = changed;
  return copy;
}

/** How a test draws the values a spec mostly accepts (see valuesFor). */
export interface ValueOptions {
  /** Any value at all: the unknown keys that ride along in objects. */
  anyJson: fc.Arbitrary<unknown>;
  /** Token counts stray into these edge cases themselves, one draw in six. */
  tokenEdges: readonly number[];
  /** Literals are sometimes another string. */
  strayLiterals: boolean;
  /** Keys whose spec is not nullish are always present (else any key may be missing). */
  requireNonNullish: boolean;
}

/** Values `spec` mostly accepts, walked over the whole spec vocabulary (src/dialects/schema.ts). */
export function valuesFor(spec: Spec<unknown>, options: ValueOptions): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'string':
      return fc.oneof(fc.string(), fc.constantFrom('', '12', 'gpt-5'));
    case 'number':
      return fc.oneof(fc.double(), fc.integer());
    case 'tokenCount':
      return fc.oneof(
        { weight: 4, arbitrary: fc.nat() },
        { weight: 1, arbitrary: fc.maxSafeNat() },
        { weight: 1, arbitrary: fc.constantFrom(...options.tokenEdges) },
      );
    case 'boolean':
      return fc.boolean();
    case 'stringOrNumber':
      return fc.oneof(fc.string(), fc.double(), fc.integer());
    case 'literal':
      return options.strayLiterals
        ? fc.oneof({ weight: 4, arbitrary: fc.constant(spec.value) }, { weight: 1, arbitrary: fc.string() })
        : fc.constant(spec.value);
    case 'nullish':
      return fc.oneof({ weight: 1, arbitrary: fc.constantFrom(null, undefined) }, { weight: 3, arbitrary: valuesFor(spec.inner, options) });
    case 'object': {
      const fields: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, field] of Object.entries(spec.shape)) fields[key] = valuesFor(field, options);
      const requiredKeys = options.requireNonNullish ? Object.keys(spec.shape).filter((key) => spec.shape[key]?.kind !== 'nullish') : [];
      // Unknown keys ride along and must be ignored.
      return fc
        .tuple(fc.record(fields, { requiredKeys }), fc.dictionary(fc.string({ maxLength: 4 }), options.anyJson, { maxKeys: 2 }))
        .map(([known, extra]) => ({ ...extra, ...known }));
    }
  }
}

/**
 * Line surgery shared by the property tests of the line schemas
 * (test/schema.test.ts, test/schema-judge.test.ts): each draws lines its own
 * way, and breaks them the same way.
 */
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

/**
 * The dialects' line schemas as plain declarations, without zod. Loading zod
 * and building its schemas costs more than the rest of start-up together, and
 * almost every line is valid, so a line is tested against a check compiled
 * from the declaration; only a line that fails is judged, by ./schema-judge.ts,
 * which names the skip reason from the first issue zod would report. zod itself
 * (./schema-zod.ts, built from the same declarations) is only the tests'
 * reference: test/schema.test.ts proves the check accepts exactly what zod
 * accepts, test/schema-judge.test.ts that the judge words zod's first issue.
 *
 * The vocabulary is only what the dialects use, with zod's semantics: an
 * object is any non-null, non-array object whose unknown keys are ignored; a
 * number is finite; a token count is a safe integer ≥ 0; `nullish` also
 * accepts null and undefined (so an absent key).
 */

export type SpecNode =
  | { readonly kind: 'string' }
  | { readonly kind: 'number' }
  | { readonly kind: 'tokenCount' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'stringOrNumber' }
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'object'; readonly shape: Readonly<Record<string, Spec<unknown>>> }
  | { readonly kind: 'nullish'; readonly inner: Spec<unknown> };

/** A declaration, its compiled check, and (only for the type checker) the type it accepts. */
export type Spec<T> = SpecNode & {
  readonly test: (value: unknown) => boolean;
  readonly __accepts?: T;
};

export type Infer<S> = S extends Spec<infer T> ? T : never;

type Shape = Readonly<Record<string, Spec<unknown>>>;

/** Keys whose spec accepts undefined may be absent, as in zod's output type. */
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type ObjectOf<S extends Shape> = { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  -readonly [K in OptionalKeys<S>]?: Infer<S[K]>;
};

function define<T>(node: SpecNode, test: (value: unknown) => boolean): Spec<T> {
  return { ...node, test };
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export const string: Spec<string> = define({ kind: 'string' }, (value) => typeof value === 'string');
export const number: Spec<number> = define({ kind: 'number' }, isFiniteNumber);
export const boolean: Spec<boolean> = define({ kind: 'boolean' }, (value) => typeof value === 'boolean');
export const stringOrNumber: Spec<string | number> = define(
  { kind: 'stringOrNumber' },
  (value) => typeof value === 'string' || isFiniteNumber(value),
);

/** A token count: a non-negative safe integer (-0 included, as zod counts it ≥ 0). */
export const tokenCount: Spec<number> = define(
  { kind: 'tokenCount' },
  (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0,
);

export function literal<const V extends string>(value: V): Spec<V> {
  return define({ kind: 'literal', value }, (candidate) => candidate === value);
}

export function nullish<T>(inner: Spec<T>): Spec<T | null | undefined> {
  const test = inner.test;
  return define({ kind: 'nullish', inner }, (value) => value === undefined || value === null || test(value));
}

// Every object spec declared so far, nested ones included: the tests hold the
// check and the judge to zod over all of them (listDeclaredSpecs), not only the
// ones a dialect module exports.
const declared: Spec<unknown>[] = [];

/** Every object spec the loaded modules declared, in declaration order (for the tests). */
export function listDeclaredSpecs(): readonly Spec<unknown>[] {
  return declared;
}

export function object<const S extends Shape>(shape: S): Spec<ObjectOf<S>> {
  const keys = Object.keys(shape);
  const tests = keys.map((key) => (shape[key] as Spec<unknown>).test);
  const count = keys.length;
  const spec = define<ObjectOf<S>>({ kind: 'object', shape }, (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    for (let index = 0; index < count; index++) {
      if (!(tests[index] as (field: unknown) => boolean)(record[keys[index] as string])) return false;
    }
    return true;
  });
  declared.push(spec as Spec<unknown>);
  return spec;
}

/** Returned by `fastParse` for a value the spec rejects. */
export const REJECTED: unique symbol = Symbol('rejected');

/**
 * The value itself when the spec accepts it (typed; not copied, so unknown
 * keys stay on it and callers read only the declared ones), else REJECTED.
 */
export function fastParse<T>(spec: Spec<T>, value: unknown): T | typeof REJECTED {
  return spec.test(value) ? (value as T) : REJECTED;
}

/* Shorthands the dialects share. */
export const optionalCount = nullish(tokenCount);
export const optionalText = nullish(string);
export const timestampValue = nullish(stringOrNumber);
export const costValue = nullish(number);

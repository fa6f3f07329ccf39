/**
 * The judge of rejected lines (src/dialects/schema-judge.ts) against zod, the
 * reference it replaces at run time (judgeWithZod in src/dialects/schema-zod.ts):
 * for every value a spec's fast check rejects, the same skip reason and the
 * same detail, character for character; and it finds an issue in exactly the
 * values the fast check rejects. Then the run itself: a report over malformed
 * lines, on one thread and with worker threads, must not load zod.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assistantSchema } from '../src/dialects/claude.js';
import { tokenCountSchema } from '../src/dialects/codex.js';
import { DIALECTS } from '../src/dialects/registry.js';
import {
  boolean,
  fastParse,
  listDeclaredSpecs,
  literal,
  nullish,
  number,
  object,
  REJECTED,
  type Spec,
  string,
  stringOrNumber,
  tokenCount,
} from '../src/dialects/schema.js';
import { judgeAccepts, judgeRejected } from '../src/dialects/schema-judge.js';
import { judgeWithZod } from '../src/dialects/schema-zod.js';
import { ingest } from '../src/ingest/ingest.js';
import { createHome, fixture, runUsage } from './helpers/cli.js';
import { MISSING, mutate, valuesFor } from './helpers/spec-lines.js';

// Taken before this file declares specs of its own: the ones the dialect modules declare.
const DIALECT_SPECS = [...listDeclaredSpecs()];

class Named {}
const Anonymous = class {};

/** Values at the edges of what zod tells apart, including what JSON cannot hold (a spec may be handed any value). */
const JUNK: unknown[] = [
  0,
  -0,
  1,
  -1,
  1.5,
  -1.5,
  0.1,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53 - 1),
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  '',
  '0',
  '-1',
  '1.5',
  '12',
  'x'.repeat(1 << 20),
  'token_count',
  'Token_count',
  'say "hi"',
  true,
  false,
  null,
  undefined,
  [],
  [null],
  [1, 2],
  [{ input_tokens: 1 }],
  {},
  { usage: null },
  { usage: { input_tokens: null } },
  { message: { usage: { input_tokens: -1 } } },
  { payload: { info: { total_token_usage: [] } } },
  Object.create(null),
  Object.create({ constructor: null }),
  new Date(0),
  new Map(),
  new Named(),
  new Anonymous(),
  10n,
  Symbol('junk'),
  () => 1,
];

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...JUNK) },
  { weight: 2, arbitrary: fc.jsonValue() },
  {
    weight: 1,
    arbitrary: fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withTypedArray: true,
      withSparseArray: true,
    }),
  },
);

const valueFor = (spec: Spec<unknown>): fc.Arbitrary<unknown> => valuesFor(spec, {
  anyJson,
  tokenEdges: [-0, -1, 1.5, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e308, Number.NaN],
  strayLiterals: true,
  // Nullish keys may be missing (mutate removes the others).
  requireNonNullish: true,
});

/** Lines for `spec`: valid ones, ones with one or two fields broken anywhere, and anything at all. */
function linesFor(spec: Spec<unknown>): fc.Arbitrary<unknown> {
  const steps = fc.array(fc.nat(), { maxLength: 5 });
  const replacement = fc.oneof(anyJson, fc.constant(MISSING));
  const mutated = fc
    .tuple(valueFor(spec), steps, replacement, steps, replacement)
    .map(([value, first, once, second, twice]) => mutate(spec, mutate(spec, value, first, once), second, twice));
  return fc.oneof({ weight: 1, arbitrary: valueFor(spec) }, { weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: anyJson });
}

/** Holds the judge to zod on one value; returns the verdict's reason, or null when the fast check accepts it. */
function compareWithZod(spec: Spec<unknown>, value: unknown): string | null {
  const accepted = fastParse(spec, value) !== REJECTED;
  expect(judgeAccepts(spec, value)).toBe(accepted);
  if (accepted) return null;
  const verdict = judgeRejected(spec, value);
  expect(verdict).toEqual(judgeWithZod(spec, value));
  return verdict.reason;
}

function containsTokenCount(spec: Spec<unknown>): boolean {
  if (spec.kind === 'tokenCount') return true;
  if (spec.kind === 'nullish') return containsTokenCount(spec.inner);
  if (spec.kind === 'object') return Object.values(spec.shape).some(containsTokenCount);
  return false;
}

describe('judgeRejected words zod’s first issue', () => {
  it('reaches every spec the dialects declare, nested ones and unexported ones included', () => {
    // The registry loaded every dialect module; their object specs declared themselves.
    expect(DIALECTS.length).toBeGreaterThan(20);
    expect(DIALECT_SPECS).toContain(assistantSchema);
    expect(DIALECT_SPECS).toContain(tokenCountSchema);
    // Nested: Claude's message object, declared inside assistantSchema.
    expect(DIALECT_SPECS).toContain(assistantSchema.kind === 'object' ? assistantSchema.shape['message'] : undefined);
    expect(DIALECT_SPECS.length).toBeGreaterThan(40);
  });

  it('agrees with zod on every dialect spec, over valid lines and junk at every depth (property)', () => {
    const linesPerSpec = 300;
    const totals = { schema: 0, negative_or_non_integer_tokens: 0, accepted: 0 };
    for (const spec of DIALECT_SPECS) {
      const reasons = { schema: 0, negative_or_non_integer_tokens: 0, accepted: 0 };
      fc.assert(
        fc.property(linesFor(spec), (value) => {
          const reason = compareWithZod(spec, value);
          if (reason === null) reasons.accepted++;
          else reasons[reason as keyof typeof reasons]++;
        }),
        { numRuns: linesPerSpec },
      );
      // All sides of the verdict must actually be exercised for the property to mean anything.
      // (The 40-key export row is the hardest to get right whole: ~1 line in 30 is.)
      expect(reasons.accepted).toBeGreaterThan(0);
      expect(reasons.schema).toBeGreaterThan(10);
      if (containsTokenCount(spec)) expect(reasons.negative_or_non_integer_tokens).toBeGreaterThan(0);
      for (const side of Object.keys(totals) as Array<keyof typeof totals>) totals[side] += reasons[side];
    }
    // A good share of each side over all of them.
    const lines = DIALECT_SPECS.length * linesPerSpec;
    expect(totals.accepted).toBeGreaterThan(lines / 10);
    expect(totals.schema).toBeGreaterThan(lines / 4);
    expect(totals.negative_or_non_integer_tokens).toBeGreaterThan(lines / 20);
  });

  it('agrees with zod on arbitrary values for every dialect spec (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DIALECT_SPECS), anyJson, (spec, value) => {
        compareWithZod(spec, value);
      }),
      { numRuns: 1500 },
    );
  });

  it('agrees with zod on arbitrary specs of the whole vocabulary (property)', () => {
    // Keys that JavaScript orders before the others (integer-like), the empty key, and inherited names.
    const key = fc.constantFrom('a', 'b', 'usage', 'input_tokens', '0', '1', '10', '', 'gen_ai.usage', 'constructor', 'toString');
    const { spec: anySpec } = fc.letrec<{ spec: Spec<unknown>; leaf: Spec<unknown>; nullish: Spec<unknown>; object: Spec<unknown> }>((tie) => ({
      spec: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('nullish'), tie('object')),
      leaf: fc.oneof(
        fc.constantFrom<Spec<unknown>>(string, number, tokenCount, boolean, stringOrNumber),
        fc.constantFrom('token_count', '', 'say "hi"').map((value) => literal(value) as Spec<unknown>),
      ),
      nullish: tie('spec').map((inner) => nullish(inner) as Spec<unknown>),
      object: fc.dictionary(key, tie('spec'), { maxKeys: 5 }).map((shape) => object(shape) as Spec<unknown>),
    }));
    fc.assert(
      fc.property(
        anySpec.chain((spec) => fc.tuple(fc.constant(spec), linesFor(spec))),
        ([spec, value]) => {
          compareWithZod(spec, value);
        },
      ),
      { numRuns: 2000 },
    );
  });

  describe('by hand', () => {
    // Worked out from zod 4's source (checks run in the order .int(), .min(0), .max(2^53 − 1); the
    // .int() check is the safe-integer format, which bounds integers at ±(2^53 − 1) itself).
    const line = object({
      kind: literal('token_count'),
      usage: object({ input: tokenCount, output: nullish(tokenCount) }),
      model: stringOrNumber,
      cost: nullish(number),
    });
    const valid = { kind: 'token_count', usage: { input: 1 }, model: 'm' };
    const judge = (value: unknown) => {
      expect(fastParse(line, value)).toBe(REJECTED);
      const verdict = judgeRejected(line, value);
      expect(verdict).toEqual(judgeWithZod(line, value));
      return [verdict.reason, verdict.detail];
    };
    const withInput = (input: unknown) => ({ ...valid, usage: { input } });
    const TOKENS = 'negative_or_non_integer_tokens';

    it('accepts -0, 2^53 − 1, nulls where nullish, and unknown keys', () => {
      for (const value of [withInput(-0), withInput(2 ** 53 - 1), { ...valid, cost: null, extra: [1] }, { ...valid, usage: { input: 0, output: null } }]) {
        expect(fastParse(line, value)).not.toBe(REJECTED);
        expect(judgeAccepts(line, value)).toBe(true);
      }
    });

    it('words token counts out of range as zod does', () => {
      expect(judge(withInput(-1))).toEqual([TOKENS, 'usage.input: Too small: expected number to be >=0']);
      expect(judge(withInput(1.5))).toEqual([TOKENS, 'usage.input: Invalid input: expected int, received number']);
      // 2^53 and 1e308 are integers, but not safe ones: the .int() check reports its own bound first.
      expect(judge(withInput(2 ** 53))).toEqual([TOKENS, 'usage.input: Too big: expected int to be <=9007199254740991']);
      expect(judge(withInput(1e308))).toEqual([TOKENS, 'usage.input: Too big: expected int to be <=9007199254740991']);
      expect(judge(withInput(-(2 ** 53)))).toEqual([TOKENS, 'usage.input: Too small: expected int to be >=-9007199254740991']);
      // The type comes first: not a number at all is a schema problem, NaN and Infinity included.
      expect(judge(withInput('12'))).toEqual(['schema', 'usage.input: Invalid input: expected number, received string']);
      expect(judge(withInput(Number.NaN))).toEqual(['schema', 'usage.input: Invalid input: expected number, received NaN']);
      expect(judge(withInput(Number.NEGATIVE_INFINITY))).toEqual(['schema', 'usage.input: Invalid input: expected number, received -Infinity']);
      expect(judge(withInput(undefined))).toEqual(['schema', 'usage.input: Invalid input: expected number, received undefined']);
    });

    it('names what it received: null, array, a class instance', () => {
      expect(judge(null)).toEqual(['schema', 'Invalid input: expected object, received null']);
      expect(judge([valid])).toEqual(['schema', 'Invalid input: expected object, received array']);
      // zod takes any non-null, non-array object for an object (a Date too), and names a class instance by its class.
      expect(judge({ ...valid, usage: new Date(0) })).toEqual(['schema', 'usage.input: Invalid input: expected number, received undefined']);
      expect(judge(withInput(new Date(0)))).toEqual(['schema', 'usage.input: Invalid input: expected number, received Date']);
      expect(judge({ ...valid, usage: null })).toEqual(['schema', 'usage: Invalid input: expected object, received null']);
    });

    it('words unions and literals as zod does', () => {
      expect(judge({ ...valid, model: null })).toEqual(['schema', 'model: Invalid input']);
      expect(judge({ ...valid, model: [] })).toEqual(['schema', 'model: Invalid input']);
      expect(judge({ ...valid, kind: 'Token_count' })).toEqual(['schema', 'kind: Invalid input: expected "token_count"']);
    });

    it('reports the first key of the shape that fails, depth first', () => {
      // kind is declared before usage: its issue wins although usage's comes from deeper down.
      expect(judge({ ...valid, kind: 1, usage: { input: -1 } })).toEqual(['schema', 'kind: Invalid input: expected "token_count"']);
      // usage.input, usage.output, then model: the nested object is finished before the next key.
      expect(judge({ ...valid, usage: { input: 1, output: 1.5 }, model: null })).toEqual([TOKENS, 'usage.output: Invalid input: expected int, received number']);
      // Integer-like keys come first in a JavaScript object, in the shape as in zod's walk over it.
      const ordered = object({ b: string, '1': string });
      expect(judgeRejected(ordered, {}).detail).toBe('1: Invalid input: expected string, received undefined');
      expect(judgeWithZod(ordered, {}).detail).toBe('1: Invalid input: expected string, received undefined');
    });
  });

  it('says whose bug it is when the fast check rejects what the declaration accepts', () => {
    // A spec whose check rejects everything while its declaration (a string) accepts "x".
    const broken = { kind: 'string', test: () => false } as Spec<unknown>;
    expect(fastParse(broken, 'x')).toBe(REJECTED);
    expect(judgeRejected(broken, 'x')).toEqual({
      kind: 'invalid',
      reason: 'schema',
      detail: 'rejected by the fast check although its declaration accepts it (a bug in src/dialects/schema.ts)',
    });
  });
});

describe('a run over malformed lines', () => {
  it('declares no specs while it reads lines (the list of declared specs stays the size it was)', async () => {
    const file = join(createHome(), 'events.jsonl');
    writeFileSync(
      file,
      [
        '{"ts":1793959200,"model":"m","prompt":100,"completion":10}',
        '{"ts":1793959200,"model":"m","prompt":-5,"completion":10}',
        '{"ts":1793959200,"model":"m","prompt":300,"completion":"30"}',
      ].join('\n'),
    );
    const before = listDeclaredSpecs().length;
    const summary = await ingest([{ kind: 'file', path: file }], () => {}, { problemLimit: Number.POSITIVE_INFINITY });
    // Line 1 is a jcode record; lines 2 and 3 are judged.
    expect(summary.problems.map((problem) => [problem.line, problem.reason, problem.detail])).toEqual([
      [2, 'negative_or_non_integer_tokens', 'prompt: Too small: expected number to be >=0'],
      [3, 'schema', 'completion: Invalid input: expected number, received string'],
    ]);
    expect(listDeclaredSpecs().length).toBe(before);
  });

  /**
   * Runs the built CLI with a preload (NODE_OPTIONS, so worker threads get it
   * too) that notes every thread it starts in and every `require` of zod: the
   * bundle requires zod from node_modules when something imports it.
   */
  async function runRecordingZod(args: string[], workers: number): Promise<{ code: number | null; stdout: string; log: string[] }> {
    const home = createHome();
    const hook = join(home, 'record-zod.cjs');
    const log = join(home, 'zod.log');
    writeFileSync(log, '');
    writeFileSync(
      hook,
      [
        "const { appendFileSync } = require('node:fs');",
        "const { isMainThread } = require('node:worker_threads');",
        "const Module = require('node:module');",
        "const thread = isMainThread ? 'main' : 'worker';",
        `appendFileSync(${JSON.stringify(log)}, 'start ' + thread + '\\n');`,
        'const load = Module._load;',
        'Module._load = function (request, ...rest) {',
        `  if (/(^|[\\\\/])zod([\\\\/]|$)/.test(request)) appendFileSync(${JSON.stringify(log)}, 'zod ' + thread + '\\n');`,
        '  return load.call(this, request, ...rest);',
        '};',
      ].join('\n'),
    );
    const result = await runUsage(args, { home, env: { NODE_OPTIONS: `--require ${hook}`, USAGE_WORKERS: String(workers) } });
    return { code: result.code, stdout: result.stdout, log: readFileSync(log, 'utf8').split('\n').filter(Boolean).sort() };
  }

  const REPORT = ['report', '--json', '--no-cache', fixture('logs')];

  for (const workers of [0, 2]) {
    it(`does not load zod (${workers === 0 ? 'one thread' : 'two worker threads'})`, async () => {
      const run = await runRecordingZod(REPORT, workers);
      expect(run.code).toBe(0);
      // The judge did run: the fixtures hold lines zod would have been asked about.
      const skipped = (JSON.parse(run.stdout) as { skipped: { reasons: Record<string, number> } }).skipped.reasons;
      expect(skipped['schema']).toBeGreaterThan(0);
      expect(skipped['negative_or_non_integer_tokens']).toBeGreaterThan(0);
      expect(run.log).toEqual(workers === 0 ? ['start main'] : ['start main', 'start worker', 'start worker']);
    });
  }

  it('would see zod if it were loaded (a config file is checked with zod)', async () => {
    const home = createHome();
    const config = join(home, 'usage.config.json');
    writeFileSync(config, '{ "tz": "UTC" }\n');
    const run = await runRecordingZod([...REPORT, '--config', config], 0);
    expect(run.code).toBe(0);
    expect(run.log).toContain('zod main');
  });
});

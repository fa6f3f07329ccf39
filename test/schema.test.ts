/**
 * The fast checks of src/dialects/schema.ts against zod, which has the last
 * word: for every dialect schema, `fastParse` must accept exactly the values
 * zod accepts, or a rejected line would get a wrong verdict (or a wrong one
 * would be counted). Plus the verdict on rejected lines, end to end (the
 * judge that words zod's first issue without zod: test/schema-judge.test.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ampLedgerEventSchema, ampMessageUsageSchema } from '../src/dialects/amp.js';
import { bambooSchema } from '../src/dialects/bamboo.js';
import { assistantSchema } from '../src/dialects/claude.js';
import { tokenCountSchema } from '../src/dialects/codex.js';
import { chatAttributesSchema } from '../src/dialects/copilot-cli.js';
import { geminiMessageSchema } from '../src/dialects/gemini-cli.js';
import { jcodeSchema } from '../src/dialects/jcode.js';
import { kernexSchema } from '../src/dialects/kernex.js';
import { lashSchema } from '../src/dialects/lash.js';
import { openCodeAssistantSchema } from '../src/dialects/opencode.js';
import { anthropicSchema, chatSchema, otelSchema, responsesSchema } from '../src/dialects/provider.js';
import { qwenAssistantSchema } from '../src/dialects/qwen-code.js';
import { fastParse, REJECTED, type Spec, tokenCount } from '../src/dialects/schema.js';
import { judgeWithZod, toZod } from '../src/dialects/schema-zod.js';
import { thaneSchema } from '../src/dialects/thane.js';
import { ingest } from '../src/ingest/ingest.js';
import { MISSING, mutate, valuesFor } from './helpers/spec-lines.js';

const SCHEMAS: Record<string, Spec<unknown>> = {
  bamboo: bambooSchema,
  claude: assistantSchema,
  codex: tokenCountSchema,
  jcode: jcodeSchema,
  kernex: kernexSchema,
  lash: lashSchema,
  thane: thaneSchema,
  'provider chat': chatSchema,
  'provider responses': responsesSchema,
  'provider anthropic': anthropicSchema,
  'provider otel': otelSchema,
  'gemini-cli': geminiMessageSchema,
  'qwen-code': qwenAssistantSchema,
  opencode: openCodeAssistantSchema,
  'copilot-cli': chatAttributesSchema,
  'amp message': ampMessageUsageSchema,
  'amp ledger': ampLedgerEventSchema,
};

/** Values at the edges of what the checks tell apart, JSON's and a few JSON cannot hold. */
const EDGE_VALUES: unknown[] = [
  0,
  -0,
  1,
  1.5,
  -1,
  -1.5,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53),
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  '',
  '12',
  '0',
  '-1',
  'token_count',
  'Token_count',
  true,
  false,
  null,
  undefined,
  [],
  [1, 2],
  [{ input_tokens: 1 }],
  {},
  { input_tokens: 1, output_tokens: 2 },
  { cached_tokens: '3' },
];

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_VALUES) },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything() },
);

const valueFor = (spec: Spec<unknown>): fc.Arbitrary<unknown> => valuesFor(spec, {
  anyJson,
  tokenEdges: [-0, 2 ** 53 - 1, 2 ** 53, -1, 1.5, 1e21],
  strayLiterals: false,
  // Any key may be missing.
  requireNonNullish: false,
});

function linesFor(spec: Spec<unknown>): fc.Arbitrary<unknown> {
  const mutated = fc
    .tuple(valueFor(spec), fc.array(fc.nat(), { maxLength: 4 }), fc.oneof(anyJson, fc.constant(MISSING)))
    .map(([value, steps, replacement]) => mutate(spec, value, steps, replacement));
  return fc.oneof({ weight: 2, arbitrary: valueFor(spec) }, { weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: anyJson });
}

describe('fastParse agrees with zod', () => {
  for (const [name, spec] of Object.entries(SCHEMAS)) {
    it(`${name}: accepts exactly what zod accepts (property)`, () => {
      const schema = toZod(spec);
      let accepted = 0;
      let rejected = 0;
      fc.assert(
        fc.property(linesFor(spec), (value) => {
          const zodAccepts = schema.safeParse(value).success;
          expect(fastParse(spec, value) !== REJECTED).toBe(zodAccepts);
          if (zodAccepts) accepted++;
          else rejected++;
        }),
        { numRuns: 3000 },
      );
      // Both sides of the verdict must actually be exercised for the property to mean anything.
      expect(accepted).toBeGreaterThan(100);
      expect(rejected).toBeGreaterThan(100);
    });
  }

  it('agrees with the z.compile schemas the dialects used before, issue for issue', () => {
    // The verdicts must not change: the compiled zod schemas the dialects
    // built at start-up gave the same first issue as the runtime ones built now.
    for (const spec of Object.values(SCHEMAS)) {
      const runtime = toZod(spec);
      const compiled = z.compile(runtime);
      fc.assert(
        fc.property(linesFor(spec), (value) => {
          const before = compiled.safeParse(value);
          const now = runtime.safeParse(value);
          expect(now.success).toBe(before.success);
          const first = (result: typeof now) => (result.success ? null : { ...result.error.issues[0] });
          expect(first(now)).toEqual(first(before));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('pins the token-count edges by hand', () => {
    const accepts = (value: unknown): boolean => fastParse(tokenCount, value) !== REJECTED;
    // -0 is ≥ 0 and an integer; 2^53 − 1 is the largest safe integer, 2^53 is not safe.
    expect([0, -0, 7, 2 ** 53 - 1].map(accepts)).toEqual([true, true, true, true]);
    expect([-1, 1.5, 2 ** 53, Number.POSITIVE_INFINITY, Number.NaN, '12', null, undefined].map(accepts)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('judgeWithZod', () => {
  it('maps zod’s first issue to the skip reason, as before', () => {
    // A fraction, a negative and an unsafe integer are token problems; a string where a count belongs is schema.
    expect(judgeWithZod(jcodeSchema, { prompt: 1.5, completion: 1 })).toEqual({
      kind: 'invalid',
      reason: 'negative_or_non_integer_tokens',
      detail: 'prompt: Invalid input: expected int, received number',
    });
    expect(judgeWithZod(jcodeSchema, { prompt: 1, completion: -3 })).toMatchObject({
      reason: 'negative_or_non_integer_tokens',
      detail: 'completion: Too small: expected number to be >=0',
    });
    expect(judgeWithZod(jcodeSchema, { prompt: 2 ** 53, completion: 1 })).toMatchObject({ reason: 'negative_or_non_integer_tokens' });
    expect(judgeWithZod(jcodeSchema, { prompt: '12', completion: 1 })).toEqual({
      kind: 'invalid',
      reason: 'schema',
      detail: 'prompt: Invalid input: expected number, received string',
    });
    expect(judgeWithZod(tokenCountSchema, { payload: { type: 'token_count', info: { total_token_usage: [] } } })).toMatchObject({
      reason: 'schema',
      detail: 'payload.info.total_token_usage: Invalid input: expected object, received array',
    });
  });

  it('counts a line the fast check wrongly rejected as schema, naming the bug', () => {
    // A spec whose check rejects everything while its declaration (a string) accepts "x".
    const broken = { kind: 'string', test: () => false } as Spec<unknown>;
    expect(fastParse(broken, 'x')).toBe(REJECTED);
    const verdict = judgeWithZod(broken, 'x');
    expect(verdict.reason).toBe('schema');
    expect(verdict.detail).toMatch(/fast check.*zod accepts/);
  });
});

describe('rejected lines through ingest', () => {
  it('keeps line order and gives zod’s wording for rejected lines between valid ones', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'usage-schema-'));
    const file = join(directory, 'events.jsonl');
    writeFileSync(
      file,
      [
        '{"ts":1793959200,"model":"m","prompt":100,"completion":10}',
        '{"ts":1793959200,"model":"m","prompt":-5,"completion":10}',
        '{"ts":1793959200,"model":"m","prompt":200,"completion":20}',
        '{"ts":1793959200,"model":"m","prompt":300,"completion":"30"}',
        '{"ts":1793959200,"model":"m","prompt":400,"completion":40}',
      ].join('\n'),
    );
    const inputs: number[] = [];
    const summary = await ingest([{ kind: 'file', path: file }], (record) => inputs.push(record.inputTokens), {
      problemLimit: Number.POSITIVE_INFINITY,
    });
    // Lines 1, 3 and 5 are records (no cache, so input = prompt); 2 and 4 are skipped with zod's wording.
    expect(inputs).toEqual([100, 200, 400]);
    expect(summary.skipped.reasons).toEqual({ negative_or_non_integer_tokens: 1, schema: 1 });
    expect(summary.problems.map((problem) => [problem.line, problem.reason, problem.detail])).toEqual([
      [2, 'negative_or_non_integer_tokens', 'prompt: Too small: expected number to be >=0'],
      [4, 'schema', 'completion: Invalid input: expected number, received string'],
    ]);
  });
});

/**
 * The pricing engine through its public functions. Every expected cost is
 * worked out by hand from the published per-million prices in the comment
 * beside it (built-in data: @pydantic/genai-prices 0.1.8).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { createRecord, type RecordIdentity, type TokenCounts } from '../src/core/record.js';
import { calculateCost, createRecordPricer, selectPeriod } from '../src/pricing/calculate.js';
import { type BuiltinDatabase, loadBuiltinDatabase } from '../src/pricing/database.js';
import { loadPricingFile, type OverrideDatabase } from '../src/pricing/overrides.js';
import { parsePricingFile } from '../src/pricing/overrides-schema.js';
import { createResolver, listCandidates } from '../src/pricing/resolve.js';
import { buildPriceTable } from '../src/pricing/table.js';
import type { CostMode } from '../src/pricing/types.js';
import { fixture } from './helpers/cli.js';

let builtin: BuiltinDatabase;
let overrides: OverrideDatabase;

beforeAll(async () => {
  builtin = await loadBuiltinDatabase();
  overrides = await loadPricingFile(fixture('cases', 'pricing', 'overrides.json'));
});

const at = (iso: string): number => Date.parse(iso);

function record(identity: Partial<RecordIdentity> & { model: string }, tokens: TokenCounts) {
  return createRecord({ dialect: 'thane', timestamp: at('2025-10-01T12:00:00Z'), cacheReported: true, ...identity }, tokens);
}

function price(
  identity: Partial<RecordIdentity> & { model: string },
  tokens: TokenCounts,
  options: { mode?: CostMode; withOverrides?: boolean } = {},
) {
  const pricer = createRecordPricer(createResolver(builtin, options.withOverrides ? overrides : null), options.mode ?? 'calculate');
  return { priced: pricer.priceRecord(record(identity, tokens)), pricer };
}

describe('per-record cost', () => {
  it('prices Sonnet 4.5 with 5-minute, 1-hour and unattributed cache writes', () => {
    // claude-sonnet-4-5: input $3, output $15, cache read $0.30, write 5m $3.75, write 1h $6 per million.
    // Prompt 1,000 + 10,000 + 7,500 = 18,500, under the 200k tier. 500 writes carry no TTL: 5-minute price.
    // 1,000×3 + 2,000×15 + 10,000×0.3 + (3,000 + 500)×3.75 + 4,000×6
    //   = 3,000 + 30,000 + 3,000 + 13,125 + 24,000 = 73,125 → $0.073125
    const { priced } = price(
      { model: 'claude-sonnet-4-5-20250929' },
      { inputTokens: 1000, outputTokens: 2000, cacheReadTokens: 10000, cacheWriteTokens: 7500, cacheWrite5mTokens: 3000, cacheWrite1hTokens: 4000 },
    );
    expect(priced.costUsd).toBeCloseTo(0.073125, 12);
    expect(priced.costSource).toBe('calculated');
  });

  it('prices every token of a request over 200k prompt tokens at the long-context rates', () => {
    // Prompt 5,000 + 190,000 + 10,000 = 205,000 > 200,000: input $6, output $22.50, read $0.60, write 5m $7.50.
    // 5,000×6 + 1,000×22.5 + 190,000×0.6 + 10,000×7.5 = 30,000 + 22,500 + 114,000 + 75,000 = 241,500 → $0.2415
    const { priced } = price(
      { model: 'claude-sonnet-4-5-20250929' },
      { inputTokens: 5000, outputTokens: 1000, cacheReadTokens: 190000, cacheWrite5mTokens: 10000 },
    );
    expect(priced.costUsd).toBeCloseTo(0.2415, 12);
  });

  it('keeps a prompt of exactly 200k tokens at the base rates', () => {
    // 200,000 is not over the threshold: 200,000 × $0.30 = 60,000 → $0.06 (the tier would give $0.12).
    const { priced } = price({ model: 'claude-sonnet-4-5' }, { inputTokens: 0, outputTokens: 0, cacheReadTokens: 200000 });
    expect(priced.costUsd).toBeCloseTo(0.06, 12);
  });

  it('prices OpenAI cached input at the cached rate once the dialect has split it from prompt_tokens', () => {
    // prompt_tokens 10,000 of which cached 8,000 → fresh 2,000. gpt-4o: input $2.50, cached $1.25, output $10.
    // 2,000×2.5 + 8,000×1.25 + 500×10 = 5,000 + 10,000 + 5,000 = 20,000 → $0.02
    const { priced } = price({ model: 'gpt-4o', dialect: 'provider' }, { inputTokens: 2000, cacheReadTokens: 8000, outputTokens: 500 });
    expect(priced.costUsd).toBeCloseTo(0.02, 12);
  });

  it('charges reasoning tokens once, as part of output', () => {
    // o4-mini: input $1.10, output $4.40. Output 3,000 of which 2,500 reasoning.
    // 1,000×1.1 + 3,000×4.4 = 1,100 + 13,200 = 14,300 → $0.0143 (charging reasoning again would give $0.0253)
    const { priced } = price({ model: 'o4-mini' }, { inputTokens: 1000, outputTokens: 3000, reasoningTokens: 2500 });
    expect(priced.costUsd).toBeCloseTo(0.0143, 12);
  });

  it('uses the price in force at the time of the call', () => {
    // o3 cost $10 / $40 until 2025-06-10, then $2 / $8. 1,000 input + 1,000 output:
    // May: 1,000×10 + 1,000×40 = 50,000 → $0.05; July: 1,000×2 + 1,000×8 = 10,000 → $0.01
    const tokens = { inputTokens: 1000, outputTokens: 1000 };
    expect(price({ model: 'o3', timestamp: at('2025-05-15T12:00:00Z') }, tokens).priced.costUsd).toBeCloseTo(0.05, 12);
    expect(price({ model: 'o3', timestamp: at('2025-06-09T23:59:59Z') }, tokens).priced.costUsd).toBeCloseTo(0.05, 12);
    expect(price({ model: 'o3', timestamp: at('2025-06-10T00:00:00Z') }, tokens).priced.costUsd).toBeCloseTo(0.01, 12);
    expect(price({ model: 'o3', timestamp: at('2025-07-15T12:00:00Z') }, tokens).priced.costUsd).toBeCloseTo(0.01, 12);
  });

  it('prices a call without a time at the latest price', () => {
    // o3 today: 1,000×2 + 1,000×8 = 10,000 → $0.01
    const { priced } = price({ model: 'o3', timestamp: null }, { inputTokens: 1000, outputTokens: 1000 });
    expect(priced.costUsd).toBeCloseTo(0.01, 12);
  });

  it('prices a resource/model deployment at its upstream model, or at the part after the slash', () => {
    // gpt-4o: 1,000×2.5 + 100×10 = 3,500 → $0.0035
    const tokens = { inputTokens: 1000, outputTokens: 100 };
    const upstream = price({ model: 'eastus/prod-chat', upstreamModel: 'gpt-4o-2024-08-06', resource: 'eastus' }, tokens);
    expect(upstream.priced.costUsd).toBeCloseTo(0.0035, 12);
    expect(upstream.pricer.resolver.resolve(upstream.priced).builtin).toMatchObject({ modelId: 'gpt-4o', step: 'upstream' });
    const bare = price({ model: 'my-azure/gpt-4o' }, tokens);
    expect(bare.priced.costUsd).toBeCloseTo(0.0035, 12);
    expect(bare.pricer.resolver.resolve(bare.priced).builtin).toMatchObject({ modelId: 'gpt-4o', step: 'deployment' });
  });

  it('reports an unknown model as unknown, never $0, and remembers it', () => {
    const { priced, pricer } = price({ model: 'mystery-model-x' }, { inputTokens: 1000, outputTokens: 1000 });
    expect(priced.costUsd).toBeNull();
    expect(priced.calculatedCostUsd).toBeNull();
    expect(priced.costSource).toBe('unknown');
    expect(pricer.unpriced.get('mystery-model-x')).toEqual({
      model: 'mystery-model-x',
      records: 1,
      totalTokens: 2000,
      reasons: { 'no-price': 1 },
    });
  });

  it('prices local models at $0 by rule', () => {
    const viaProvider = price({ model: 'llama3.1:8b', provider: 'ollama' }, { inputTokens: 5000, outputTokens: 500 });
    expect(viaProvider.priced.costUsd).toBe(0);
    expect(viaProvider.priced.costSource).toBe('free');
    expect(price({ model: 'lmstudio/qwen2.5-coder' }, { inputTokens: 10, outputTokens: 10 }).priced.costSource).toBe('free');
  });

  it('cannot price a record that carries only a token total', () => {
    const { priced, pricer } = price({ model: 'gpt-4o' }, { inputTokens: 0, outputTokens: 0, unattributedTokens: 5000 });
    expect(priced.costUsd).toBeNull();
    expect(pricer.unpriced.get('gpt-4o')?.reasons).toEqual({ 'total-only': 1 });
  });
});

describe('recorded and calculated cost', () => {
  // gpt-4o: 1,000×2.5 + 100×10 = 3,500 → $0.0035 calculated; the log recorded $0.01.
  const identity = { model: 'gpt-4o', recordedCostUsd: 0.01 };
  const tokens = { inputTokens: 1000, outputTokens: 100 };

  it('auto uses the recorded cost and keeps the calculated one beside it', () => {
    const { priced } = price(identity, tokens, { mode: 'auto' });
    expect(priced.costUsd).toBe(0.01);
    expect(priced.costSource).toBe('recorded');
    expect(priced.calculatedCostUsd).toBeCloseTo(0.0035, 12);
  });

  it('calculate ignores the recorded cost', () => {
    const { priced } = price(identity, tokens, { mode: 'calculate' });
    expect(priced.costUsd).toBeCloseTo(0.0035, 12);
    expect(priced.costSource).toBe('calculated');
  });

  it('recorded uses only recorded costs, and a record without one is unknown', () => {
    expect(price(identity, tokens, { mode: 'recorded' }).priced.costUsd).toBe(0.01);
    const { priced, pricer } = price({ model: 'gpt-4o' }, tokens, { mode: 'recorded' });
    expect(priced.costUsd).toBeNull();
    expect(priced.calculatedCostUsd).toBeCloseTo(0.0035, 12);
    expect(pricer.unpriced.get('gpt-4o')?.reasons).toEqual({ 'no-recorded-cost': 1 });
  });

  it('auto calculates when the log recorded nothing', () => {
    expect(price({ model: 'gpt-4o' }, tokens, { mode: 'auto' }).priced.costUsd).toBeCloseTo(0.0035, 12);
  });
});

describe('override file', () => {
  it('adds a model', () => {
    // mystery-model-x: input $1, output $2 → 1,000×1 + 1,000×2 = 3,000 → $0.003
    const { priced, pricer } = price({ model: 'mystery-model-x' }, { inputTokens: 1000, outputTokens: 1000 }, { withOverrides: true });
    expect(priced.costUsd).toBeCloseTo(0.003, 12);
    expect(pricer.resolver.resolve(priced).override).toMatchObject({ modelId: 'mystery-model-x', step: 'exact' });
  });

  it('replaces the built-in price from its start date on, including the long-context tier', () => {
    const tokens = { inputTokens: 1000, outputTokens: 1000 };
    // Before 2025-10-02 the built-in price: 1,000×3 + 1,000×15 = 18,000 → $0.018
    const before = price({ model: 'claude-sonnet-4-5-20250929', timestamp: at('2025-10-01T23:00:00Z') }, tokens, { withOverrides: true });
    expect(before.priced.costUsd).toBeCloseTo(0.018, 12);
    // From then on the negotiated price: 1,000×2.4 + 1,000×12 = 14,400 → $0.0144
    const after = price({ model: 'claude-sonnet-4-5-20250929', timestamp: at('2025-10-02T00:00:00Z') }, tokens, { withOverrides: true });
    expect(after.priced.costUsd).toBeCloseTo(0.0144, 12);
    // Over 200k: 201,000 input × 4.8 + 1,000 × 18 = 964,800 + 18,000 = 982,800 → $0.9828
    const long = price(
      { model: 'claude-sonnet-4-5-20250929', timestamp: at('2025-10-05T00:00:00Z') },
      { inputTokens: 201000, outputTokens: 1000 },
      { withOverrides: true },
    );
    expect(long.priced.costUsd).toBeCloseTo(0.9828, 12);
  });

  it('fills missing Anthropic cache prices with 0.1×, 1.25× and 2× input', () => {
    // claude-private: input $4 → read $0.40, write 5m $5, write 1h $8.
    // 1,000×0.4 + 1,000×5 + 1,000×8 = 400 + 5,000 + 8,000 = 13,400 → $0.0134
    const { priced } = price(
      { model: 'claude-private' },
      { inputTokens: 0, outputTokens: 0, cacheReadTokens: 1000, cacheWrite5mTokens: 1000, cacheWrite1hTokens: 1000 },
      { withOverrides: true },
    );
    expect(priced.costUsd).toBeCloseTo(0.0134, 12);
  });

  it('prices cache traffic of other providers at the input price when no cache price is given', () => {
    // mystery-model-x: input $1 → read and writes $1: 1,000×1 + 1,000×1 + 1,000×1 = 3,000 → $0.003
    const { priced } = price(
      { model: 'mystery-model-x' },
      { inputTokens: 0, outputTokens: 0, cacheReadTokens: 1000, cacheWrite5mTokens: 1000, cacheWrite1hTokens: 1000 },
      { withOverrides: true },
    );
    expect(priced.costUsd).toBeCloseTo(0.003, 12);
  });

  it('names the file and the field when the file is bad', async () => {
    await expect(loadPricingFile(fixture('cases', 'pricing', 'bad-field.json'))).rejects.toThrow(/bad-field\.json: models\.my-model: unknown field "outptu"/);
    await expect(loadPricingFile(fixture('cases', 'pricing', 'bad-price.json'))).rejects.toThrow(/bad-price\.json: models\.my-model\.input: /);
    await expect(loadPricingFile(fixture('cases', 'pricing', 'bad-json.json'))).rejects.toThrow(/bad-json\.json is not valid JSON/);
    await expect(loadPricingFile(fixture('cases', 'pricing', 'missing.json'))).rejects.toThrow(UsageError);
    expect(() => parsePricingFile({ models: { a: { input: 1, output: 1, start_date: '2025-02-30' } } }, 'p.json')).toThrow(
      /p\.json: models\.a\.start_date: expected a date as YYYY-MM-DD/,
    );
    expect(() => parsePricingFile({ model: {} }, 'p.json')).toThrow(/p\.json: /);
  });
});

describe('model resolution', () => {
  const resolve = (model: string) => createResolver(builtin, null).resolve({ model });

  it.each([
    ['claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5', 'exact'],
    ['claude-sonnet-4-5-20250929', 'anthropic', 'claude-sonnet-4-5', 'dated'],
    ['claude-sonnet-4-5@20250929', 'anthropic', 'claude-sonnet-4-5', 'dated'],
    ['anthropic/claude-sonnet-4.5', 'anthropic', 'claude-sonnet-4-5', 'provider-prefix'],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic', 'claude-sonnet-4-5', 'provider-prefix'],
    ['bedrock/anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic', 'claude-3-7-sonnet-latest', 'provider-prefix'],
    ['openai/gpt-5', 'openai', 'gpt-5', 'provider-prefix'],
    ['gpt-4o-mini-2024-07-18', 'openai', 'gpt-4o-mini', 'exact'],
  ])('%s → %s/%s (%s)', (query, provider, modelId, step) => {
    expect(resolve(query).builtin).toMatchObject({ providerId: provider, modelId, step });
  });

  it('never matches by substring', () => {
    expect(resolve('xgpt-4o').status).toBe('unknown');
    expect(resolve('claude-sonnet-4-5-experimental').status).toBe('unknown');
    expect(resolve('my-gpt-4o-finetune').status).toBe('unknown');
    // A version is part of a model's name unless it is Bedrock's -vN:N snapshot suffix.
    expect(listCandidates({ model: 'deepseek-v3' }).map((candidate) => candidate.name)).toEqual(['deepseek-v3']);
  });

  it('resolves each identity once', () => {
    const pricer = createRecordPricer(createResolver(builtin, null), 'calculate');
    for (let index = 0; index < 1000; index++) {
      pricer.priceRecord(record({ model: index % 2 ? 'gpt-4o' : 'claude-sonnet-4-5-20250929' }, { inputTokens: index, outputTokens: 1 }));
    }
    expect(pricer.resolver.size()).toBe(2);
  });
});

describe('price tables', () => {
  it('picks the tier once per request from the whole prompt', () => {
    const table = buildPriceTable({ input: { base: 1, tiers: [{ start: 100, price: 2 }] }, output: 10 }, 'input');
    // 60 fresh + 50 cache read = 110 > 100: every token at the tier: 60×2 + 50×2 (read defaults to input) + 1×10 = 230 → $0.00023
    expect(calculateCost({ inputTokens: 60, outputTokens: 1, cacheReadTokens: 50, cacheWriteTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, unattributedTokens: 0 }, table).cost).toBeCloseTo(
      0.00023,
      15,
    );
  });

  it('selects the last applicable entry, honouring daily UTC windows', () => {
    const table = buildPriceTable({ input: 1 }, 'input');
    const periods = [
      { startDate: null, startMs: null, window: null, table, origin: 'built-in' as const },
      { startDate: null, startMs: null, window: { start: 1800, end: 59400, text: '00:30–16:30 UTC' }, table, origin: 'built-in' as const },
    ];
    expect(selectPeriod(periods, at('2025-01-01T12:00:00Z'))).toBe(periods[1]);
    expect(selectPeriod(periods, at('2025-01-01T20:00:00Z'))).toBe(periods[0]);
    expect(selectPeriod(periods, null)).toBe(periods[0]);
  });
});

describe('records that sum several calls', () => {
  it('are priced at the base tier: the long-context rate is decided per request', () => {
    const pricer = createRecordPricer(createResolver(builtin, null), 'calculate');
    const session = (aggregate: boolean, calls = 1) =>
      pricer.priceRecord(
        createRecord(
          { dialect: 'goose', timestamp: Date.UTC(2026, 10, 1), model: 'claude-sonnet-4-5', cacheReported: true, aggregate, calls },
          { inputTokens: 100_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 100_000, outputTokens: 10_000 },
        ),
      ).costUsd;
    // Sonnet 4.5 base rates per million: input $3, output $15, cache read $0.30, 5-minute write $3.75.
    // 0.1M × 3 + 0.01M × 15 + 1M × 0.30 + 0.1M × 3.75 = 0.3 + 0.15 + 0.3 + 0.375 = $1.125.
    expect(session(true)).toBeCloseTo(1.125, 10);
    expect(session(false, 4)).toBeCloseTo(1.125, 10);
    // One call with a 1.2M-token prompt is over 200k: every token at the long-context rates
    // ($6, $22.50, $0.60, $7.50): 0.6 + 0.225 + 0.6 + 0.75 = $2.175.
    expect(session(false)).toBeCloseTo(2.175, 10);
  });
});

describe('the indexed price snapshot', () => {
  it('skips a pattern only when a name cannot match it: every match starts with its literal prefix', async () => {
    const fc = (await import('fast-check')).default;
    const { findLiteralPrefix } = await import('../src/pricing/database.js');
    // By hand: escapes are literals, a quantifier takes back the character before it, `|` means no prefix.
    expect(findLiteralPrefix('^claude-3-5-sonnet-\\d{8}$')).toBe('claude-3-5-sonnet-');
    expect(findLiteralPrefix('^gpt-5\\.6-luna-\\d{4}$')).toBe('gpt-5.6-luna-');
    expect(findLiteralPrefix('^ab?c$')).toBe('a');
    expect(findLiteralPrefix('^a|b$')).toBe('');
    expect(findLiteralPrefix('^(x)y$')).toBe('');
    const sources = [
      ...builtin.groups.flatMap((group) => group.patterns.map(([source]) => source)),
      '^ab*c$',
      '^a\\-b{2,3}[xy]$',
      '^o1(-mini)?$',
      '^x\\.y+z$',
    ];
    for (const source of sources) {
      const prefix = findLiteralPrefix(source);
      fc.assert(
        fc.property(fc.stringMatching(new RegExp(source)), (name) => {
          expect(name.startsWith(prefix)).toBe(true);
        }),
        { numRuns: 50 },
      );
    }
  });

  it('finds a dated name through its pattern, and an exact name without one', () => {
    const resolver = createResolver(builtin, null);
    expect(resolver.resolve({ model: 'claude-sonnet-4-5-20250929' }).builtin?.modelId).toBeDefined();
    expect(resolver.resolve({ model: 'claude-sonnet-4-5' }).builtin?.step).toBe('exact');
  });
});

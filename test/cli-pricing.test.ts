/** `usage pricing` through the real binary. Prices are per million tokens, from @pydantic/genai-prices 0.1.8. */
import { describe, expect, it } from 'vitest';
import { fixture, runCli } from './helpers/cli.js';

describe('usage pricing MODEL...', () => {
  it('shows how a dated id resolves and its tiers', async () => {
    const result = await runCli(['pricing', 'claude-sonnet-4-5-20250929', '--json']);
    expect(result.code).toBe(0);
    const [model] = JSON.parse(result.stdout).models;
    expect(model).toMatchObject({
      query: 'claude-sonnet-4-5-20250929',
      status: 'priced',
      model: 'claude-sonnet-4-5',
      provider: 'anthropic',
      step: 'dated',
      source: 'built-in',
    });
    expect(model.prices).toEqual([
      {
        start_date: null,
        utc_window: null,
        source: 'built-in',
        tiers: [
          { above_prompt_tokens: 0, input: 3, output: 15, cache_read: 0.3, cache_write_5m: 3.75, cache_write_1h: 6, defaulted: [] },
          { above_prompt_tokens: 200000, input: 6, output: 22.5, cache_read: 0.6, cache_write_5m: 7.5, cache_write_1h: 12, defaulted: [] },
        ],
      },
    ]);
  });

  it('lists, one per line, what bills a model beyond its tokens', async () => {
    const result = await runCli(['pricing', 'claude-opus-4-6', 'gpt-5', 'claude-haiku-4-5', '--json']);
    expect(result.code).toBe(0);
    const [opus, gpt, haiku] = JSON.parse(result.stdout).models;
    expect(opus.billing_rules).toEqual([
      'fast mode (usage.speed "fast"): 6× the token cost',
      'web search: $10 per 1,000 requests (web fetch free)',
      'US-only inference (inference_geo "us"): 1.1× the token cost',
    ]);
    expect(gpt.billing_rules).toEqual(['service tier flex: 0.5× the token cost; priority: 2× (approximate where OpenAI publishes no priority rate)']);
    // No published US-only multiplier before Opus 4.6: said, not guessed.
    expect(haiku.billing_rules).toContain('US-only inference: no published multiplier for this model (priced at 1×)');
    const table = await runCli(['pricing', 'claude-opus-4-6']);
    expect(table.stdout).toContain('Billed beyond the tokens');
    expect(table.stdout).toContain('fast mode (usage.speed "fast"): 6× the token cost');
  });

  it('lists dated prices and names the override file as the source', async () => {
    const result = await runCli(['pricing', 'o3', 'mystery-model-x', '--pricing', fixture('cases', 'pricing', 'overrides.json'), '--json']);
    expect(result.code).toBe(0);
    const [o3, mystery] = JSON.parse(result.stdout).models;
    // o3: $10/$40 until 2025-06-10, then $2/$8.
    expect(o3.prices.map((period: { start_date: string | null; tiers: Array<{ input: number; output: number }> }) => [period.start_date, period.tiers[0]?.input, period.tiers[0]?.output])).toEqual([
      [null, 10, 40],
      ['2025-06-10', 2, 8],
    ]);
    expect(mystery).toMatchObject({ status: 'priced', source: 'override', provider: 'override', step: 'exact' });
  });

  it('marks free local models and exits 4 (the answer is no) for a model without a price', async () => {
    const result = await runCli(['pricing', 'ollama/llama3', 'no-such-model-9', '--json']);
    expect(result.code).toBe(4);
    const [local, unknown] = JSON.parse(result.stdout).models;
    expect(local).toMatchObject({ status: 'free', step: 'free' });
    expect(unknown).toMatchObject({ status: 'unknown', model: null, prices: [] });
    expect(result.stderr).toMatch(/no price for "no-such-model-9"/);
  });

  it('prints a table a person can check a figure against', async () => {
    const result = await runCli(['pricing', 'gpt-4o']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/gpt-4o .*openai\/gpt-4o .*\$2\.50 .*\$10\.00 .*\$1\.25/);
  });

  it('needs a model id', async () => {
    const result = await runCli(['pricing']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/at least one model id/);
  });
});

describe('usage pricing --unknown', () => {
  it('lists the models in the logs that have no price, and exits 4 as some have none', async () => {
    const result = await runCli(['pricing', '--unknown', fixture('cases', 'pricing', 'logs'), '--json']);
    expect(result.code).toBe(4);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ kind: 'pricing', view: 'unknown' });
    // thane t4: 1,000 input + 1,000 output
    expect(json.unpriced_models).toEqual([{ model: 'mystery-model-x', records: 1, total_tokens: 2000 }]);
  });

  it('lists none once the override file prices them', async () => {
    const result = await runCli(['pricing', '--unknown', fixture('cases', 'pricing', 'logs'), '--pricing', fixture('cases', 'pricing', 'overrides.json'), '--json']);
    expect(JSON.parse(result.stdout).unpriced_models).toEqual([]);
  });
});

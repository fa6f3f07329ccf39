import { describe, expect, it } from 'vitest';
import { computeShares } from '../src/reducers/group.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { NO_PROJECT, NO_SOURCE, projectsReducer, providersReducer, sourcesReducer } from '../src/reducers/shares.js';
import { makeRecord } from './helpers/analytics.js';

describe('share reducers', () => {
  const records = [
    makeRecord({ project: 'alpha', input: 200, output: 100, cost: 3, source: 'turn' }),
    makeRecord({ project: 'beta', input: 60, output: 40, cost: 1, source: 'subagent' }),
    makeRecord({ project: null, input: 100, cost: 0, source: 'turn', model: 'gpt-5' }),
  ];

  it('gives each project its token and cost fraction, with a placeholder for records without one', () => {
    const shares = computeShares(reduceAll(projectsReducer, records));
    // Tokens: alpha 300, beta 100, none 100 → 500 in all: 0.6, 0.2, 0.2.
    // Cost: alpha $3, beta $1, none $0 → $4: 0.75, 0.25, 0.
    expect(shares.map((share) => [share.key, share.tokenShare, share.costShare])).toEqual([
      ['alpha', 0.6, 0.75],
      // beta and (no project) tie on tokens; the key breaks the tie ("(" sorts before "b").
      [NO_PROJECT, 0.2, 0],
      ['beta', 0.2, 0.25],
    ]);
    expect(shares.reduce((sum, share) => sum + share.tokenShare, 0)).toBeCloseTo(1, 12);
  });

  it('gives a group whose every cost is unknown no cost share (null), not 0', () => {
    const shares = computeShares(reduceAll(projectsReducer, [...records, makeRecord({ project: 'gamma', input: 50, cost: null })]));
    // Known cost: $3 + $1 + $0 = $4; gamma has none known, so its share of it is unknown.
    expect(shares.find((share) => share.key === 'gamma')?.costShare).toBeNull();
    expect(shares.find((share) => share.key === NO_PROJECT)?.costShare).toBe(0);
  });

  it('groups by provider and by call source', () => {
    const providers = computeShares(reduceAll(providersReducer, records));
    // anthropic: 300 + 100 = 400 of 500 → 0.8; openai: 100 → 0.2.
    expect(providers.map((share) => [share.key, share.tokenShare])).toEqual([
      ['anthropic', 0.8],
      ['openai', 0.2],
    ]);
    const sources = computeShares(reduceAll(sourcesReducer, [...records, makeRecord({ input: 500 })]));
    // turn 400, (no source) 500, subagent 100 → 1000: 0.5, 0.4, 0.1.
    expect(sources.map((share) => [share.key, share.tokenShare])).toEqual([
      [NO_SOURCE, 0.5],
      ['turn', 0.4],
      ['subagent', 0.1],
    ]);
  });
});

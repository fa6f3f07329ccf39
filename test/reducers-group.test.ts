/**
 * The group and period reducers remember the last group a record went to;
 * whatever the order of records and however states are interleaved, they
 * must give what grouping every record by its key from scratch gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGroupReducer, type GroupState } from '../src/reducers/group.js';
import { createPeriodReducer, joinPeriodKey } from '../src/reducers/periods.js';
import { formatCalendarDate, readCalendarDate } from '../src/time/zone.js';
import { makeRecord } from './helpers/analytics.js';

const entry = fc.record({
  model: fc.constantFrom('a', 'b', 'c'),
  // Three days, so runs of one day and changes of day both happen.
  at: fc.integer({ min: Date.UTC(2026, 2, 1), max: Date.UTC(2026, 2, 4) - 1 }),
  input: fc.integer({ min: 0, max: 1000 }),
  state: fc.integer({ min: 0, max: 1 }),
});

/** Token sums per key, computed plainly. */
function sumByKey(entries: ReadonlyArray<{ key: string; input: number }>): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { key, input } of entries) sums.set(key, (sums.get(key) ?? 0) + input);
  return sums;
}

const readInputs = (state: GroupState): Map<string, number> => new Map([...state].map(([key, totals]) => [key, totals.inputTokens]));

describe('createGroupReducer and createPeriodReducer', () => {
  it('group every record by its key, with two states filled in turn', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), (entries) => {
        const reducer = createGroupReducer((record) => record.model);
        const periods = createPeriodReducer({ span: 'day', zone: 'UTC', splitBy: (record) => record.model });
        const states = [reducer.create(), reducer.create()];
        const periodStates = [periods.create(), periods.create()];
        for (const { model, at, input, state } of entries) {
          const record = makeRecord({ model, at, input });
          reducer.add(states[state] as GroupState, record);
          periods.add(periodStates[state] as ReturnType<typeof periods.create>, record);
        }
        for (const index of [0, 1]) {
          const mine = entries.filter((each) => each.state === index);
          expect(readInputs(states[index] as GroupState)).toEqual(sumByKey(mine.map(({ model, input }) => ({ key: model, input }))));
          const periodState = periodStates[index] as ReturnType<typeof periods.create>;
          const dayOf = (at: number): string => formatCalendarDate(readCalendarDate(at, 'UTC'));
          expect(readInputs(periodState.splits)).toEqual(sumByKey(mine.map(({ model, at, input }) => ({ key: joinPeriodKey(dayOf(at), model), input }))));
          expect(readInputs(periodState.periods)).toEqual(sumByKey(mine.map(({ at, input }) => ({ key: dayOf(at), input }))));
        }
      }),
      { numRuns: 300 },
    );
  });
});

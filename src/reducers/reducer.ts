/**
 * A reducer folds records into a state, one record at a time, in input order
 * (after de-duplication, which is global). `add` mutates the state it is
 * given for speed. Reducers never do I/O and never look at the terminal.
 * States only grow: only `add` writes to them (group reducers remember the
 * last group they added to, so an entry removed or replaced from outside
 * would go on receiving records).
 *
 * There is no `merge`: states are built once, on the main thread. Measured
 * (issue 12, 30 MB sets, 2 workers): the main thread sat idle for a third of
 * a pooled run while the workers were the bottleneck, so moving pricing and
 * reducing into them would lengthen the run; the most it could save is the
 * packing of records (~11% of CPU), at the price of rebuilding every
 * command's reducers and the pricer in each worker and of giving up input
 * order, which sessions and cold rounds depend on.
 */
import { compileFunction } from '../core/fields.js';
import type { PricedRecord } from '../core/record.js';

export interface Reducer<State> {
  create(): State;
  add(state: State, record: PricedRecord): void;
}

/** Runs a reducer over records; a convenience for tests and small inputs. */
export function reduceAll<State>(reducer: Reducer<State>, records: Iterable<PricedRecord>): State {
  const state = reducer.create();
  for (const record of records) reducer.add(state, record);
  return state;
}

/** Combines several reducers into one whose state is a tuple-like object. */
export function combineReducers<States extends Record<string, unknown>>(reducers: {
  [Key in keyof States]: Reducer<States[Key]>;
}): Reducer<States> {
  const keys = Object.keys(reducers) as Array<keyof States>;
  // One call site per reducer, written out: in a loop the call saw a dozen
  // kinds of reducer and state and stayed megamorphic (a fifth of a flat-record
  // report's reducing time). Names are only the reducers' keys, from code.
  const bindings = Object.fromEntries(keys.map((key, index) => [`reducer${index}`, reducers[key]]));
  const add = compileFunction<(state: States, record: PricedRecord) => void>(
    'addToEach',
    ['state', 'record'],
    keys.map((key, index) => `reducer${index}.add(state[${JSON.stringify(key)}], record);`).join('\n'),
    bindings,
  );
  return {
    create() {
      const state = {} as States;
      for (const key of keys) state[key] = reducers[key].create();
      return state;
    },
    add,
  };
}

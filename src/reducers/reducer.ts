/**
 * A reducer folds records into a state. States are mergeable: the state of
 * two halves of the input merged equals the state of the whole, which lets
 * workers (and a cache) reduce parts independently. `add` mutates the state it
 * is given for speed; `merge` returns a new state and leaves its inputs alone.
 * Reducers never do I/O and never look at the terminal.
 */
import type { PricedRecord } from '../core/record.js';

export interface Reducer<State> {
  create(): State;
  add(state: State, record: PricedRecord): void;
  merge(left: State, right: State): State;
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
  return {
    create() {
      const state = {} as States;
      for (const key of keys) state[key] = reducers[key].create();
      return state;
    },
    add(state, record) {
      for (const key of keys) reducers[key].add(state[key], record);
    },
    merge(left, right) {
      const state = {} as States;
      for (const key of keys) state[key] = reducers[key].merge(left[key], right[key]);
      return state;
    },
  };
}

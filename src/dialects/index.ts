import type { DialectName } from '../core/record.js';
import { bamboo } from './bamboo.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { jcode } from './jcode.js';
import { kernex } from './kernex.js';
import { lash } from './lash.js';
import { provider } from './provider.js';
import { thane } from './thane.js';
import type { Dialect, JsonObject } from './types.js';

/**
 * Detection order matters: the agent transcripts (Claude, Codex) have the most
 * distinctive shapes, then flat records by their tell-tale fields, and the
 * generic provider shapes last.
 */
export const DIALECTS: readonly Dialect[] = [claude, codex, bamboo, thane, lash, kernex, jcode, provider];

const BY_NAME = new Map<DialectName, Dialect>(DIALECTS.map((dialect) => [dialect.name, dialect]));

export function findDialect(name: DialectName): Dialect {
  const dialect = BY_NAME.get(name);
  if (!dialect) throw new Error(`no dialect named ${name}`);
  return dialect;
}

export function detectDialect(value: JsonObject): Dialect | undefined {
  for (const dialect of DIALECTS) {
    if (dialect.detect(value)) return dialect;
  }
  return undefined;
}

export type { Dialect, JsonObject, LineParser, ParseOutcome, SkipReason } from './types.js';
export { judgeRejected, SKIP_REASONS } from './types.js';

/**
 * jcode `events.jsonl`: one line per agent turn. Whether `cached` and
 * `cache_write` sit inside `prompt` (OpenAI style) or beside it (Anthropic
 * style) is not written down, so it is decided per line from `total`; see
 * `resolveJcodeLayout` and docs/record.md.
 */
import { join } from 'node:path';
import { createRecord } from '../core/record.js';
import { nullish, number, object, optionalCount, optionalText, tokenCount } from './schema.js';
import { requireTimestamp, validate } from './types.js';
import type { DialectModule } from './module.js';

export const jcodeSchema = object({
  ts: nullish(number),
  date: optionalText,
  project: optionalText,
  session: optionalText,
  model: optionalText,
  prompt: tokenCount,
  completion: tokenCount,
  cached: optionalCount,
  reasoning: optionalCount,
  cache_write: optionalCount,
  total: optionalCount,
  calls: optionalCount,
});

export interface JcodeCounts {
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
  cacheWrite: number;
  total: number | null;
}

export interface JcodeLayout {
  /** Cache reads and writes are part of `prompt`, so fresh input = prompt − cached − cache_write. */
  cacheInsidePrompt: boolean;
  /** Reasoning was counted beside `completion` rather than inside it. */
  reasoningBesideCompletion: boolean;
}

/**
 * Picks the layout whose sum reproduces `total`, trying the default first.
 * Without a usable `total` the default holds: cache inside prompt (jcode's own
 * cache-hit rate is cached / prompt, which only makes sense that way) and
 * reasoning inside completion.
 */
export function resolveJcodeLayout(counts: JcodeCounts): JcodeLayout {
  const cache = counts.cached + counts.cacheWrite;
  const candidates: JcodeLayout[] = [
    { cacheInsidePrompt: true, reasoningBesideCompletion: false },
    { cacheInsidePrompt: false, reasoningBesideCompletion: false },
    { cacheInsidePrompt: false, reasoningBesideCompletion: true },
    { cacheInsidePrompt: true, reasoningBesideCompletion: true },
  ];
  const fits = (layout: JcodeLayout): boolean => !(layout.cacheInsidePrompt && cache > counts.prompt);
  if (counts.total !== null && counts.total > 0) {
    for (const layout of candidates) {
      if (!fits(layout)) continue;
      const sum =
        counts.prompt +
        counts.completion +
        (layout.cacheInsidePrompt ? 0 : cache) +
        (layout.reasoningBesideCompletion ? counts.reasoning : 0);
      if (sum === counts.total) return layout;
    }
  }
  // Cache larger than the prompt cannot be inside it.
  return { cacheInsidePrompt: cache <= counts.prompt, reasoningBesideCompletion: false };
}

export const jcode: DialectModule<'jcode'> = {
  name: 'jcode',
  agent: 'jcode',
  title: 'jcode',
  reader: 'jsonl',
  locations: ({ home }) => [{ path: join(home, '.jcode', 'usage', 'events.jsonl'), description: 'jcode' }],
  markers: ['prompt"'],
  docs: 'record.md#jcode',
  fixture: 'fixtures/logs/jcode',
  description: "jcode's ~/.jcode/usage/events.jsonl, one line per agent turn",
  detect: (value) => 'prompt' in value && 'completion' in value,
  createParser: () => (value) => {
    const checked = validate(jcodeSchema, value);
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    const time = requireTimestamp(line.ts, 'ts');
    if (!time.ok) return time.outcome;
    const counts: JcodeCounts = {
      prompt: line.prompt,
      completion: line.completion,
      cached: line.cached ?? 0,
      reasoning: line.reasoning ?? 0,
      cacheWrite: line.cache_write ?? 0,
      total: line.total ?? null,
    };
    const layout = resolveJcodeLayout(counts);
    const inputTokens = layout.cacheInsidePrompt ? counts.prompt - counts.cached - counts.cacheWrite : counts.prompt;
    const outputTokens = counts.completion + (layout.reasoningBesideCompletion ? counts.reasoning : 0);
    return {
      kind: 'record',
      record: createRecord(
        {
          dialect: 'jcode',
          timestamp: time.value,
          model: line.model ?? '',
          project: line.project,
          session: line.session,
          calls: line.calls && line.calls > 0 ? line.calls : 1,
          // jcode always writes `cached`; only non-zero cache counts show the provider reports caching.
          cacheReported: counts.cached > 0 || counts.cacheWrite > 0,
        },
        {
          inputTokens,
          outputTokens,
          reasoningTokens: counts.reasoning,
          cacheReadTokens: counts.cached,
          cacheWriteTokens: counts.cacheWrite,
        },
      ),
    };
  },
};

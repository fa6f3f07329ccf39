/**
 * What the statusline shows, and how it is worded. An answer is computed by a
 * scan (compute.ts) and cached; the line is formatted from it at print time,
 * so the block's remaining time is right even when the answer is a minute old.
 * This module loads nothing: the warm path must start as fast as bare Node.
 */

export interface StatuslineAnswer {
  /** Cost of this session's calls in the logs; null when unknown (unpriced or not found). */
  sessionCostUsd: number | null;
  /** Cost of today's calls (all agents), in the zone. */
  todayCostUsd: number | null;
  /** Some of today's usage has no price: the cost is a lower bound, shown with ≥. */
  todayPartial: boolean;
  /** The day `todayCostUsd` is for (YYYY-MM-DD). */
  day: string;
  /** When that day ends (ms): after it, a cached answer's "today" is yesterday, and the answer is stale. */
  dayEnd: number;
  /** The active Claude Code block at compute time, if any. */
  block: { end: number; costPerHour: number | null; tokensPerMinute: number } | null;
  /** When the answer was computed (ms). */
  computedAt: number;
}

export interface StatuslineInput {
  sessionId: string | null;
  transcriptPath: string | null;
  model: string | null;
}

/** Claude Code's statusline JSON (session_id, transcript_path, model.display_name, …); anything else is ignored. */
export function readStatuslineInput(text: string): StatuslineInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { sessionId: null, transcriptPath: null, model: null };
  }
  const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const text_ = (field: unknown) => (typeof field === 'string' && field !== '' ? field : null);
  const model = typeof object['model'] === 'object' && object['model'] !== null ? (object['model'] as Record<string, unknown>) : {};
  return {
    sessionId: text_(object['session_id']),
    transcriptPath: text_(object['transcript_path']),
    model: text_(model['display_name']) ?? text_(model['id']),
  };
}

function money(value: number | null): string {
  if (value === null) return '$?';
  return value >= 100 ? `$${value.toFixed(0)}` : `$${value.toFixed(2)}`;
}

function remaining(milliseconds: number): string {
  const minutes = Math.max(0, Math.floor(milliseconds / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours}h${String(minutes % 60).padStart(2, '0')}m` : `${minutes}m`;
}

/** Control characters never reach the terminal, whatever a log or the input held. */
function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** One short line: session cost, today's cost, the active block's time left and burn rate. */
export function formatStatusline(answer: StatuslineAnswer, now: number, model: string | null = null): string {
  const parts: string[] = [];
  if (model !== null) parts.push(clean(model).slice(0, 40));
  parts.push(`session ${money(answer.sessionCostUsd)}`);
  parts.push(`today ${answer.todayPartial && answer.todayCostUsd !== null ? '≥' : ''}${money(answer.todayCostUsd)}`);
  const block = answer.block;
  if (block !== null && now < block.end) {
    const rate = block.costPerHour === null ? `${Math.round(block.tokensPerMinute)} tok/min` : `${money(block.costPerHour)}/h`;
    parts.push(`block ${remaining(block.end - now)} left, ${rate}`);
  } else {
    parts.push('no active block');
  }
  return parts.join(' | ');
}

/**
 * The session files of pi's coding agent (badlogic/pi-mono,
 * packages/coding-agent/src/core/session-manager.ts), which OpenClaw writes
 * too because it runs pi's session manager. One JSON line per entry: a
 * `session` header (id, cwd), then `message` entries whose assistant messages
 * carry pi-ai's usage: `input` (fresh, pi-ai subtracts cached tokens for
 * OpenAI-style providers), `output`, `cacheRead`, `cacheWrite` (disjoint),
 * `totalTokens` (their sum) and `cost.total` in USD.
 *
 * The duplicate trap: forking or branching a session (`createBranchedSession`,
 * `forkFrom`) writes a new file that copies the old entries verbatim, ids and
 * timestamps included. Each usage line is keyed on its entry id plus its
 * timestamp, so a copied response counts once across files.
 *
 * One mapping for both agents; pi.ts and openclaw.ts only name it.
 */
import { basename, dirname } from 'node:path';
import { createRecord, type DialectName } from '../core/record.js';
import { readProjectFromPath } from './project-path.js';
import { costValue, nullish, object, optionalText, string, timestampValue, tokenCount } from './schema.js';
import { type FileContext, type JsonObject, type LineParser, readSessionFromFile, requireTimestamp, validate } from './types.js';

export const piUsageSchema = object({
  id: optionalText,
  timestamp: timestampValue,
  message: object({
    role: string,
    provider: optionalText,
    model: optionalText,
    responseId: optionalText,
    timestamp: timestampValue,
    usage: object({
      input: tokenCount,
      output: tokenCount,
      cacheRead: nullish(tokenCount),
      cacheWrite: nullish(tokenCount),
      totalTokens: nullish(tokenCount),
      cost: nullish(object({ total: costValue })),
    }),
  }),
});

/**
 * Lines that can carry usage hold `"totalTokens"`; the header line
 * (`"type":"session"`) names the project. Not `cwd"`: every Claude Code line
 * has one, and the marker let all of them through the prefilter.
 */
export const PI_MARKERS = ['totalTokens"', 'session"'] as const;

/**
 * pi's entries: a `session` header, or an entry with an `id`, a `parentId`
 * and a `type` (message, model_change, thinking_level_change, compaction,
 * branch_summary, custom, label, session_info). Claude Code lines have a
 * `type` too but link entries with `parentUuid` and carry a `uuid`.
 */
export function isPiSessionLine(value: JsonObject): boolean {
  const type = value['type'];
  if (type === 'session') return typeof value['id'] === 'string' && 'cwd' in value;
  return typeof type === 'string' && typeof value['id'] === 'string' && 'parentId' in value && !('uuid' in value);
}

/**
 * OpenClaw keeps transcripts in `agents/<agent id>/sessions/<id>.jsonl`, pi
 * in `sessions/<encoded cwd>/<time>_<id>.jsonl`. The lines are the same, so
 * the first module to recognise them (pi) hands a file laid out the
 * OpenClaw way to OpenClaw, wherever its state folder was moved.
 */
export function isOpenClawPath(path: string): boolean {
  const parts = path.split(/[\\/]/);
  return parts.length >= 4 && parts[parts.length - 2] === 'sessions' && parts[parts.length - 4] === 'agents';
}

interface PiFileState {
  session: string | null;
  /** The working directory, or the session folder until the header names it. */
  project: string | null;
  projectPath: string | null;
}

function readSavedState(value: unknown): PiFileState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const state = value as Partial<PiFileState>;
  return { session: state.session ?? null, project: state.project ?? null, projectPath: state.projectPath ?? null };
}

/**
 * pi names a session file `<ISO time with - for : and .>_<session id>.jsonl`;
 * the id after the underscore is the session, until the header says otherwise.
 */
const PI_SESSION = /_([^_]*)$/;

/**
 * Until the header is read, the project is the session folder: pi names it
 * after the working directory with separators replaced (`--home-me-app--`),
 * which cannot be turned back into the path without guessing.
 */
function readProjectFromFolder(path: string): string | null {
  if (path === '-' || path === '') return null;
  const folder = basename(dirname(path));
  return folder === '' || folder === '.' ? null : folder;
}

export function createPiParser(module: 'pi' | 'openclaw', file: FileContext, savedState?: unknown): LineParser {
  const dialect: DialectName = module === 'pi' && isOpenClawPath(file.path) ? 'openclaw' : module;
  const state: PiFileState = readSavedState(savedState) ?? {
    session: readSessionFromFile(file.path, PI_SESSION),
    project: readProjectFromFolder(file.path),
    projectPath: null,
  };
  const parse: LineParser = (value) => {
    if (value['type'] === 'session') {
      if (typeof value['id'] === 'string' && value['id'] !== '') state.session = value['id'];
      if (typeof value['cwd'] === 'string' && value['cwd'] !== '') {
        state.project = value['cwd'];
        state.projectPath = value['cwd'];
      }
      return { kind: 'no_usage' };
    }
    const message = value['message'];
    if (
      value['type'] !== 'message' ||
      typeof message !== 'object' ||
      message === null ||
      (message as JsonObject)['role'] !== 'assistant' ||
      !('usage' in message)
    ) {
      return { kind: 'no_usage' };
    }
    const checked = validate(piUsageSchema, value);
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    const time = requireTimestamp(line.timestamp ?? line.message.timestamp, line.timestamp != null ? 'timestamp' : 'message.timestamp');
    if (!time.ok) return time.outcome;
    const usage = line.message.usage;
    const cacheReadTokens = usage.cacheRead ?? 0;
    const cacheWriteTokens = usage.cacheWrite ?? 0;
    // An aborted or failed request is written with all-zero usage: no call was billed.
    if (usage.input + usage.output + cacheReadTokens + cacheWriteTokens === 0) return { kind: 'no_usage' };
    const recordedCost = usage.cost?.total;
    const record = createRecord(
        {
          dialect,
          timestamp: time.value,
          model: line.message.model ?? '',
          provider: line.message.provider,
          // The scanner stamps the reading module's agent; a file handed over to OpenClaw names its own.
          agent: dialect,
          session: state.session,
          // The header's cwd, normalised as every agent's is; until then the session folder's name.
          ...(state.projectPath ? readProjectFromPath(state.projectPath) : { project: state.project, projectPath: null }),
          requestId: line.message.responseId,
          // pi writes 0 when it has no price for the model: that is "not recorded", not free.
          recordedCostUsd: recordedCost != null && recordedCost > 0 ? recordedCost : null,
          cacheReported: usage.cacheRead != null || usage.cacheWrite != null,
        },
        { inputTokens: usage.input, outputTokens: usage.output, cacheReadTokens, cacheWriteTokens },
      );
    if (line.id == null || line.timestamp == null) return { kind: 'record', record };
    return { kind: 'record', record, dedupKey: `${dialect}:${line.id}:${String(line.timestamp)}` };
  };
  parse.saveState = () => ({ ...state });
  return parse;
}

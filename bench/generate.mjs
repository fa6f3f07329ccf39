#!/usr/bin/env node
/**
 * Deterministic benchmark data. Writes Claude-Code-style transcripts or flat
 * bamboo token-usage records of a requested size into a folder, together with
 * manifest.json: the exact totals a correct reader must report. The totals
 * are tallied here while writing, independently of `usage`, so a fast wrong
 * answer shows up as a mismatch rather than as a good time.
 *
 *   node bench/generate.mjs --set claude --size 100 [--out dir] [--seed n]
 *
 * The same set, size and seed always produce the same bytes.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when the data or the manifest changes, so stale folders are regenerated. */
export const GENERATOR_VERSION = 4;
export const DEFAULT_SEED = 20_260_601;
export const SETS = ['claude', 'flat'];

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = join(BENCH_DIR, 'data');

const MB = 1_000_000;
const FLUSH_CHARS = 4 << 20;

/** mulberry32: tiny, fast and good enough for test data. */
function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const integer = (low, high) => low + Math.floor(next() * (high - low + 1));
  const chance = (probability) => next() < probability;
  const pick = (items) => items[Math.floor(next() * items.length)];
  const normal = () => {
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const logNormal = (median, sigma) => median * Math.exp(sigma * normal());
  const hex = (length) => {
    let text = '';
    while (text.length < length) text += Math.floor(next() * 4294967296).toString(16).padStart(8, '0');
    return text.slice(0, length);
  };
  const base62 = (length) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let text = '';
    for (let index = 0; index < length; index++) text += alphabet[Math.floor(next() * 62)];
    return text;
  };
  const uuid = () => {
    const h = hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  };
  return { next, integer, chance, pick, logNormal, hex, base62, uuid };
}

/**
 * Message text: prose, code with quotes, backslashes, tabs and newlines (all
 * escaped by JSON), non-ASCII letters (multi-byte UTF-8, BMP only so a slice
 * never splits a surrogate pair), and, rarely, JSON that mentions usage inside
 * a string, which a reader must not mistake for a record.
 */
function createTextPool(random, length) {
  const words = [
    'the', 'a', 'function', 'returns', 'value', 'error', 'file', 'test', 'should', 'when', 'and', 'of', 'to', 'is',
    'config', 'build', 'module', 'import', 'export', 'const', 'let', 'async', 'await', 'Promise', 'string', 'number',
    'café', 'naïve', 'über', 'résumé', 'Zürich', '東京', '数据', 'значение', '→', '—', '…', 'ßtraße', 'ĉu',
    '"quoted"', "'single'", 'C:\\Users\\dev\\project', 'path/to/src/index.ts', '{', '}', '=>', '(x)', '[]', '<div>',
    '\n', '\n', '\n\n', '\t', '    ', 'if', 'else', 'return', 'null', 'undefined', 'true', 'false', '0x1f', '42',
  ];
  const rare = [
    '{"usage": {"input_tokens": 12, "output_tokens": 3}}',
    '"usage":{"input_tokens":7,"cache_read_input_tokens":100}',
    'type: assistant, usage: none',
  ];
  const parts = [];
  let size = 0;
  while (size < length) {
    const word = random.chance(0.0005) ? random.pick(rare) : random.pick(words);
    parts.push(word);
    size += word.length + 1;
  }
  return parts.join(' ');
}

function createTextSource(random) {
  const pool = createTextPool(random, 1 << 20);
  return (length) => {
    const size = Math.max(1, Math.min(Math.round(length), pool.length - 1));
    const start = random.integer(0, pool.length - size);
    return pool.slice(start, start + size);
  };
}

/** JSON with `": "` and `", "` separators, the way Python's json.dumps writes it. */
function stringifySpaced(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifySpaced).join(', ')}]`;
  const members = [];
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) members.push(`${JSON.stringify(key)}: ${stringifySpaced(member)}`);
  }
  return `{${members.join(', ')}}`;
}

/** Writes lines to one file at a time through a large string buffer. */
class Output {
  constructor(root) {
    this.root = root;
    this.fd = null;
    this.pending = [];
    this.pendingChars = 0;
    this.bytes = 0;
    this.lines = 0;
    this.files = [];
  }

  open(relative) {
    this.close();
    const path = join(this.root, relative);
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
    this.files.push(relative);
  }

  write(line) {
    const text = `${line}\n`;
    this.pending.push(text);
    this.pendingChars += text.length;
    this.bytes += Buffer.byteLength(text);
    this.lines++;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  flush() {
    if (this.fd !== null && this.pending.length > 0) writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  close() {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Running expected figures, mirroring ingest: de-duplicated records, skips by reason. */
class Tally {
  constructor() {
    this.keyed = new Map();
    this.unkeyed = [];
    this.duplicateLines = 0;
    this.noUsageLines = 0;
    this.skipped = {};
  }

  /** tokens: [input, output, reasoning, cacheRead, cacheWrite, write5m, write1h]; the model goes last. */
  addRecord(key, tokens) {
    if (key === null) {
      this.unkeyed.push(tokens);
      return;
    }
    const earlier = this.keyed.get(key);
    if (earlier === undefined) {
      this.keyed.set(key, tokens);
      return;
    }
    this.duplicateLines++;
    // ingest keeps the copy with the larger total; on a tie the first one stays.
    if (sumTokens(tokens) > sumTokens(earlier)) this.keyed.set(key, tokens);
  }

  skip(reason) {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  summarize() {
    const totals = {
      records: 0,
      input_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cache_write_5m_tokens: 0,
      cache_write_1h_tokens: 0,
      total_tokens: 0,
    };
    const models = {};
    const add = (tokens) => {
      const [input, output, reasoning, cacheRead, cacheWrite, write5m, write1h, model] = tokens;
      const total = input + output + cacheRead + cacheWrite;
      totals.records++;
      totals.input_tokens += input;
      totals.output_tokens += output;
      totals.reasoning_tokens += reasoning;
      totals.cache_read_tokens += cacheRead;
      totals.cache_write_tokens += cacheWrite;
      totals.cache_write_5m_tokens += write5m;
      totals.cache_write_1h_tokens += write1h;
      totals.total_tokens += total;
      const entry = models[model] ?? { records: 0, total_tokens: 0 };
      entry.records++;
      entry.total_tokens += total;
      models[model] = entry;
    };
    for (const tokens of this.keyed.values()) add(tokens);
    for (const tokens of this.unkeyed) add(tokens);
    const reasons = {};
    let skippedLines = 0;
    for (const reason of Object.keys(this.skipped).sort()) {
      reasons[reason] = this.skipped[reason];
      skippedLines += this.skipped[reason];
    }
    const sortedModels = {};
    for (const model of Object.keys(models).sort()) sortedModels[model] = models[model];
    return {
      totals,
      skipped: { lines: skippedLines, reasons },
      no_usage_lines: this.noUsageLines,
      duplicate_lines: this.duplicateLines,
      models: sortedModels,
    };
  }
}

function sumTokens(tokens) {
  return tokens[0] + tokens[1] + tokens[3] + tokens[4];
}

/**
 * Cumulative byte targets per file: file i is written until the whole set
 * reaches targets[i], so overshoots never add up and the set ends within one
 * line of the requested size. Sizes are log-normal, like real sessions.
 */
function planFiles(random, count, totalBytes) {
  const weights = Array.from({ length: count }, () => random.logNormal(1, 1.1));
  const sum = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  return weights.map((weight) => {
    running += weight;
    return Math.round((running / sum) * totalBytes);
  });
}

/** Every kind of malformed line, in turn: all could have been records. */
const MALFORMED_KINDS = ['truncated', 'bad_json', 'negative', 'fractional'];
const MALFORMED_REASON = {
  truncated: 'invalid_json',
  bad_json: 'invalid_json',
  negative: 'negative_or_non_integer_tokens',
  fractional: 'negative_or_non_integer_tokens',
};

/** How often a would-be record is malformed: about 0.2%, but at least 8 in any set. */
function malformedPeriod(expectedRecords) {
  return Math.max(5, Math.min(500, Math.floor(expectedRecords / 8)));
}

function breakJson(line, kind, random) {
  if (kind === 'truncated') {
    const at = line.indexOf('"usage"');
    return line.slice(0, at + 12 + random.integer(0, 30));
  }
  // A doubled colon: the line still looks like a record to a byte scan.
  return line.replace('"output_tokens":', '"output_tokens"::');
}

const CLAUDE_MODELS = ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001'];
const TOOLS = ['Bash', 'Read', 'Edit', 'Grep', 'Write', 'Glob', 'Task'];
const START_TIME = Date.UTC(2025, 5, 1);

/**
 * Writes Claude transcript lines into `output`, tallying what a reader must
 * report. One writer serves a whole set, so the rhythm of malformed lines runs
 * across files. `ids` are the prefixes of message and request ids: appended
 * chunks use their own, so they can never repeat a response of the set.
 */
function createClaudeWriter({ random, text, output, tally, period, ids = { message: 'msg_01', request: 'req_011C' } }) {
  let assistantCount = 0;
  let malformedCount = 0;

  const makeUsage = () => {
    const write5m = random.chance(0.5) ? random.integer(0, 20_000) : 0;
    const write1h = random.chance(0.3) ? random.integer(0, 30_000) : 0;
    return {
      input: random.chance(0.8) ? random.integer(1, 40) : random.integer(100, 30_000),
      write5m,
      write1h,
      // Older transcripts report only the sum; a few report more than the split.
      withSplit: random.chance(0.9),
      cacheWrite: write5m + write1h + (random.chance(0.05) ? random.integer(1, 500) : 0),
      cacheRead: random.chance(0.9) ? random.integer(0, 180_000) : 0,
      output: random.integer(1, 4_000),
    };
  };

  const usageObject = (usage, order) => {
    const object = {};
    const put = {
      input: () => {
        object.input_tokens = usage.input;
      },
      creation: () => {
        object.cache_creation_input_tokens = usage.cacheWrite;
      },
      read: () => {
        object.cache_read_input_tokens = usage.cacheRead;
      },
      split: () => {
        if (usage.withSplit) {
          object.cache_creation = { ephemeral_5m_input_tokens: usage.write5m, ephemeral_1h_input_tokens: usage.write1h };
        }
      },
      output: () => {
        object.output_tokens = usage.output;
      },
    };
    const keys = order === 'reversed' ? ['output', 'split', 'read', 'creation', 'input'] : ['input', 'creation', 'read', 'split', 'output'];
    for (const key of keys) put[key]();
    object.service_tier = 'standard';
    return object;
  };

  const tokensOf = (usage, model) => [
    usage.input,
    usage.output,
    0,
    usage.cacheRead,
    Math.max(usage.cacheWrite, usage.withSplit ? usage.write5m + usage.write1h : 0),
    usage.withSplit ? usage.write5m : 0,
    usage.withSplit ? usage.write1h : 0,
    model,
  ];

  /**
   * Writes one session until the output holds `target` bytes, opening with
   * `carryOver` repeats from `reservoir` (earlier files' responses) as a
   * resumed session does. Returns the session's keyed responses.
   */
  return function writeSession({ sessionId, sidechain, cwd, version, gitBranch, time: startTime }, target, reservoir, carryOver) {
    let time = startTime;
    let parent = null;
    const fileResponses = [];

    const header = (type) => {
      const uuid = random.uuid();
      time += random.integer(500, 90_000);
      const line = {
        parentUuid: parent,
        isSidechain: sidechain,
        userType: 'external',
        cwd,
        sessionId,
        version,
        gitBranch,
        type,
        uuid,
        timestamp: new Date(time).toISOString(),
      };
      parent = uuid;
      return line;
    };

    const writeAssistant = (response, content, style) => {
      const base = header('assistant');
      const usage = usageObject(response.usage, style.usageOrder);
      const message = style.usageFirst
        ? { usage, id: response.id, type: 'message', role: 'assistant', model: response.model, content, stop_reason: null, stop_sequence: null }
        : { id: response.id, type: 'message', role: 'assistant', model: response.model, content, stop_reason: null, stop_sequence: null, usage };
      const line = style.typeFirst
        ? { type: 'assistant', message, ...base, requestId: response.requestId ?? undefined }
        : { ...base, message, requestId: response.requestId ?? undefined };
      if (!style.typeFirst) {
        // Claude Code writes `type` after the (large) message.
        delete line.type;
        line.type = 'assistant';
      }
      return style.spaced ? stringifySpaced(line) : JSON.stringify(line);
    };

    const randomStyle = () => ({
      spaced: random.chance(0.1),
      usageFirst: random.chance(0.1),
      typeFirst: random.chance(0.05),
      usageOrder: random.chance(0.1) ? 'reversed' : 'normal',
    });

    const assistantContent = (toolUseId) => {
      if (toolUseId !== null) {
        return [{ type: 'tool_use', id: toolUseId, name: random.pick(TOOLS), input: { command: text(random.logNormal(60, 0.8)) } }];
      }
      return random.chance(0.2)
        ? [{ type: 'thinking', thinking: text(random.logNormal(400, 1)), signature: random.base62(120) }]
        : [{ type: 'text', text: text(random.logNormal(220, 1)) }];
    };

    /** One response: usually one line, sometimes repeated (one line per content block). */
    const emitResponse = (toolUseId) => {
      assistantCount++;
      const model = random.chance(0.003) ? '<synthetic>' : random.pick(CLAUDE_MODELS);
      const response = {
        id: `${ids.message}${random.base62(22)}`,
        requestId: random.chance(0.02) ? null : `${ids.request}${random.base62(20)}`,
        model,
        usage: makeUsage(),
      };
      const style = randomStyle();
      if (assistantCount % period === 0) {
        const kind = MALFORMED_KINDS[malformedCount++ % MALFORMED_KINDS.length];
        if (kind === 'negative') response.usage.output = -random.integer(1, 500);
        if (kind === 'fractional') response.usage.input += 0.5;
        let line = writeAssistant({ ...response, model: CLAUDE_MODELS[0] }, assistantContent(toolUseId), style);
        if (kind === 'truncated' || kind === 'bad_json') line = breakJson(line, kind, random);
        output.write(line);
        tally.skip(MALFORMED_REASON[kind]);
        return;
      }
      output.write(writeAssistant(response, assistantContent(toolUseId), style));
      if (model === '<synthetic>') {
        tally.noUsageLines++;
        return;
      }
      const key = response.requestId === null ? null : `${response.id}:${response.requestId}`;
      tally.addRecord(key, tokensOf(response.usage, model));
      if (key === null) return;
      fileResponses.push(response);
      if (random.chance(0.055)) emitCopy(response);
      if (reservoir.length > 0 && random.chance(0.025)) emitCopy(random.pick(reservoir));
    };

    /** A repeat of an earlier response: same ids, output the same, larger or smaller. */
    const emitCopy = (original) => {
      const usage = { ...original.usage };
      const roll = random.next();
      if (roll < 0.25) usage.output += random.integer(1, 800);
      else if (roll < 0.4) usage.output = random.integer(0, usage.output);
      const copy = { ...original, usage };
      output.write(writeAssistant(copy, assistantContent(null), randomStyle()));
      tally.addRecord(`${copy.id}:${copy.requestId}`, tokensOf(usage, copy.model));
    };

    const emitUser = (content, extra) => {
      const base = header('user');
      const line = { ...base, message: { role: 'user', content }, ...extra };
      delete line.type;
      line.type = 'user';
      output.write(JSON.stringify(line));
      tally.noUsageLines++;
    };

    const emitToolResult = (toolUseId) => {
      const body = text(random.logNormal(900, 1.5));
      let extra = {};
      const roll = random.next();
      if (roll < 0.02) {
        // A sub-agent's result carries its own usage object inside a user line: not a record.
        extra = {
          toolUseResult: {
            status: 'completed',
            totalDurationMs: random.integer(1000, 90_000),
            totalTokens: random.integer(1000, 90_000),
            usage: { input_tokens: random.integer(1, 50), cache_read_input_tokens: random.integer(0, 90_000), output_tokens: random.integer(1, 3000) },
          },
        };
      } else if (roll < 0.45) {
        extra = { toolUseResult: { stdout: body, stderr: '', interrupted: false, isImage: false } };
      }
      emitUser([{ tool_use_id: toolUseId, type: 'tool_result', content: body, is_error: random.chance(0.05) }], extra);
    };

    const emitOther = () => {
      const roll = random.next();
      if (roll < 0.4) {
        output.write(JSON.stringify({ type: 'summary', summary: text(random.logNormal(60, 0.5)), leafUuid: random.uuid() }));
      } else if (roll < 0.7) {
        output.write(JSON.stringify({ ...header('system'), subtype: 'compact_boundary', content: 'Conversation compacted', level: 'info' }));
      } else {
        output.write(
          JSON.stringify({ type: 'file-history-snapshot', messageId: random.uuid(), snapshot: { trackedFileBackups: {}, timestamp: new Date(time).toISOString() }, isSnapshotUpdate: false }),
        );
      }
      tally.noUsageLines++;
    };

    if (carryOver) {
      for (let count = random.integer(1, 3); count > 0; count--) emitCopy(random.pick(reservoir));
    }
    while (output.bytes < target) {
      if (random.chance(0.03)) emitOther();
      emitUser(text(random.logNormal(300, 1)), {});
      const steps = random.integer(1, 5);
      for (let step = 0; step < steps && output.bytes < target; step++) {
        const toolUseId = step < steps - 1 ? `toolu_01${random.base62(22)}` : null;
        emitResponse(toolUseId);
        if (toolUseId !== null) emitToolResult(toolUseId);
      }
    }
    return fileResponses;
  };
}

function generateClaude(root, totalBytes, seed) {
  const random = createRandom(seed);
  const text = createTextSource(random);
  const output = new Output(root);
  const tally = new Tally();
  const fileCount = Math.max(3, Math.round((totalBytes / MB) * 3));
  const projectCount = Math.max(2, Math.round(fileCount / 25));
  const projects = Array.from({ length: projectCount }, (_, index) => `-home-dev-work-project${index}-${random.hex(4)}`);
  const targets = planFiles(random, fileCount, totalBytes);
  const writeSession = createClaudeWriter({ random, text, output, tally, period: malformedPeriod((totalBytes / MB) * 190) });
  /** Earlier files' responses: a resumed session repeats some of them in a new file. */
  const reservoir = [];

  for (let fileIndex = 0; fileIndex < fileCount; fileIndex++) {
    const project = projects[Math.min(projectCount - 1, Math.floor(random.next() ** 1.5 * projectCount))];
    const sessionId = random.uuid();
    const sidechain = random.chance(0.05);
    const relative = sidechain
      ? join('projects', project, random.uuid(), 'subagents', `agent-${random.hex(8)}.jsonl`)
      : join('projects', project, `${sessionId}.jsonl`);
    output.open(relative);
    const session = {
      sessionId,
      sidechain,
      cwd: `/home/dev/work/${project.split('-')[4] ?? 'project'}`,
      version: random.pick(['1.0.98', '2.0.14', '2.0.31']),
      gitBranch: random.pick(['main', 'main', 'feature/cache', 'fix/parser']),
      time: START_TIME + fileIndex * 3_600_000 + random.integer(0, 3_000_000),
    };
    // A resumed session opens with responses it carries over from an earlier
    // file; the second file always does, so even the smallest set repeats across files.
    const carryOver = reservoir.length > 0 && (fileIndex === 1 || random.chance(0.1));
    const fileResponses = writeSession(session, targets[fileIndex], reservoir, carryOver);
    for (const response of fileResponses) {
      if (reservoir.length < 5000) reservoir.push(response);
      else if (random.chance(0.1)) reservoir[random.integer(0, reservoir.length - 1)] = response;
    }
  }
  output.close();
  return { output, tally };
}

const FLAT_MODELS = [
  ['claude-sonnet-4-5-20250929', 'anthropic'],
  ['claude-sonnet-4-5-20250929', 'anthropic'],
  ['claude-opus-4-1-20250805', 'anthropic'],
  ['gpt-5-2025-08-07', 'openai'],
];

/** Writes bamboo records into `output`, tallying them; like the Claude writer, one serves a whole set. */
function createFlatWriter({ random, output, tally, period }) {
  let recordCount = 0;
  let malformedCount = 0;

  /** Writes one session's records until the output holds `target` bytes. */
  return function writeSession({ sessionId, time: startTime, messages: startMessages }, target) {
    let time = startTime;
    let messages = startMessages;
    while (output.bytes < target) {
      recordCount++;
      time += random.integer(1000, 60_000);
      messages += random.integer(1, 3);
      const [model, provider] = random.pick(FLAT_MODELS);
      const output_tokens = random.integer(1, 6000);
      const record = {
        ts: new Date(time).toISOString(),
        session_id: sessionId,
        model,
        provider,
        message_count: messages,
        cache_creation_input_tokens: random.chance(0.6) ? random.integer(0, 25_000) : 0,
        cache_read_input_tokens: random.chance(0.85) ? random.integer(0, 190_000) : 0,
        input_tokens: random.integer(1, 20_000),
        output_tokens,
        thinking_tokens: random.chance(0.4) ? random.integer(0, output_tokens) : 0,
        system_tokens: random.integer(2000, 9000),
        summary_tokens: random.chance(0.2) ? random.integer(100, 4000) : 0,
        window_tokens: random.integer(1000, 150_000),
        total_tokens: random.integer(5000, 190_000),
        max_context_tokens: 200_000,
        budget_limit: 180_000,
        prompt_cached_tool_outputs: random.integer(0, 40),
        prompt_cached_tool_tokens_saved: random.integer(0, 30_000),
        truncation_occurred: random.chance(0.02),
        segments_removed: random.chance(0.02) ? random.integer(1, 12) : 0,
      };
      const spaced = random.chance(0.05);
      if (recordCount % period === 0) {
        const kind = MALFORMED_KINDS[malformedCount++ % MALFORMED_KINDS.length];
        if (kind === 'negative') record.input_tokens = -random.integer(1, 500);
        if (kind === 'fractional') record.output_tokens += 0.5;
        let line = spaced ? stringifySpaced(record) : JSON.stringify(record);
        if (kind === 'truncated') line = line.slice(0, random.integer(20, line.length - 2));
        if (kind === 'bad_json') line = breakJson(line, kind, random);
        output.write(line);
        tally.skip(MALFORMED_REASON[kind]);
        continue;
      }
      output.write(spaced ? stringifySpaced(record) : JSON.stringify(record));
      tally.addRecord(null, [
        record.input_tokens,
        record.output_tokens,
        record.thinking_tokens,
        record.cache_read_input_tokens,
        record.cache_creation_input_tokens,
        0,
        0,
        model,
      ]);
    }
  };
}

function generateFlat(root, totalBytes, seed) {
  const random = createRandom(seed);
  const output = new Output(root);
  const tally = new Tally();
  const fileCount = Math.max(2, Math.round((totalBytes / MB) * 0.3));
  const targets = planFiles(random, fileCount, totalBytes);
  const writeSession = createFlatWriter({ random, output, tally, period: malformedPeriod((totalBytes / MB) * 1900) });

  for (let fileIndex = 0; fileIndex < fileCount; fileIndex++) {
    const sessionId = random.uuid();
    output.open(join('sessions', sessionId, 'token-usage.jsonl'));
    writeSession({ sessionId, time: START_TIME + fileIndex * 7_200_000, messages: random.integer(2, 10) }, targets[fileIndex]);
  }
  output.close();
  return { output, tally };
}

/** Collects lines in memory: a chunk to append to a file of a set. */
class MemoryOutput {
  constructor() {
    this.parts = [];
    this.bytes = 0;
    this.lines = 0;
  }

  write(line) {
    const text = `${line}\n`;
    this.parts.push(text);
    this.bytes += Buffer.byteLength(text);
    this.lines++;
  }
}

export const APPEND_BYTES = MB;

/**
 * About `bytes` of complete new lines for one file of a set, as an active
 * session writes them, with the exact figures they add (`sources.files` is 0:
 * the file is already counted). The same set, size and seed always give the
 * same text. Claude responses get their own id prefixes, so none can repeat,
 * and so be de-duplicated against, a response already in the set.
 */
export function generateAppend({ set, bytes = APPEND_BYTES, seed = DEFAULT_SEED }) {
  if (!SETS.includes(set)) throw new Error(`unknown set ${set}: use ${SETS.join(' or ')}`);
  // A stream of its own, not a replay of the set's first bytes.
  const random = createRandom((seed + 0x9e3779b9) >>> 0);
  const output = new MemoryOutput();
  const tally = new Tally();
  const time = Date.UTC(2026, 0, 1);
  if (set === 'claude') {
    const text = createTextSource(random);
    const period = malformedPeriod((bytes / MB) * 190);
    const writeSession = createClaudeWriter({ random, text, output, tally, period, ids: { message: 'msg_02', request: 'req_011D' } });
    const session = { sessionId: random.uuid(), sidechain: false, cwd: '/home/dev/work/project0', version: '2.0.31', gitBranch: 'main', time };
    writeSession(session, bytes, [], false);
  } else {
    const writeSession = createFlatWriter({ random, output, tally, period: malformedPeriod((bytes / MB) * 1900) });
    writeSession({ sessionId: random.uuid(), time, messages: random.integer(2, 10) }, bytes);
  }
  return {
    text: output.parts.join(''),
    expected: { ...tally.summarize(), sources: { files: 0, lines: output.lines, bytes: output.bytes } },
  };
}

/** The figures of a set plus those of an appended chunk whose records are all new. */
export function addExpected(base, extra) {
  const sum = (a, b) => Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((key) => [key, (a[key] ?? 0) + (b[key] ?? 0)]));
  const models = {};
  for (const model of [...new Set([...Object.keys(base.models), ...Object.keys(extra.models)])].sort()) {
    models[model] = sum(base.models[model] ?? {}, extra.models[model] ?? {});
  }
  return {
    totals: sum(base.totals, extra.totals),
    skipped: { lines: base.skipped.lines + extra.skipped.lines, reasons: sum(base.skipped.reasons, extra.skipped.reasons) },
    no_usage_lines: base.no_usage_lines + extra.no_usage_lines,
    duplicate_lines: base.duplicate_lines + extra.duplicate_lines,
    models,
    sources: sum(base.sources, extra.sources),
  };
}

export function setDirectory(set, sizeMB) {
  return join(DATA_DIR, `${set}-${sizeMB}MB`);
}

function readManifest(directory) {
  try {
    return JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Generates one set into `directory` (default bench/data/<set>-<size>MB) and
 * returns its manifest. An existing folder with a matching manifest is reused.
 */
export function generateSet({ set, sizeMB, seed = DEFAULT_SEED, directory = setDirectory(set, sizeMB), force = false }) {
  if (!SETS.includes(set)) throw new Error(`unknown set ${set}: use ${SETS.join(' or ')}`);
  if (!(sizeMB > 0)) throw new Error(`size must be a positive number of MB, not ${sizeMB}`);
  const existing = readManifest(directory);
  if (!force && existing && existing.generator === GENERATOR_VERSION && existing.seed === seed && existing.size_mb === sizeMB) {
    return existing;
  }
  if (existsSync(directory)) rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const started = performance.now();
  const totalBytes = Math.round(sizeMB * MB);
  const { output, tally } = set === 'claude' ? generateClaude(directory, totalBytes, seed) : generateFlat(directory, totalBytes, seed);
  const summary = tally.summarize();
  const manifest = {
    generator: GENERATOR_VERSION,
    set,
    size_mb: sizeMB,
    seed,
    generated_in_seconds: Math.round(performance.now() - started) / 1000,
    expected: {
      ...summary,
      sources: { files: output.files.length, lines: output.lines, bytes: output.bytes },
    },
    files: output.files,
  };
  writeFileSync(join(directory, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

function parseArguments(argv) {
  const options = { set: 'claude', sizeMB: 10, seed: DEFAULT_SEED, directory: undefined, force: false };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === '--set') options.set = value;
    else if (flag === '--size') options.sizeMB = Number(value);
    else if (flag === '--seed') options.seed = Number(value);
    else if (flag === '--out') options.directory = resolve(value);
    else if (flag === '--force') {
      options.force = true;
      continue;
    } else throw new Error(`unknown flag ${flag}: use --set claude|flat, --size <MB>, --seed <n>, --out <dir>, --force`);
    index++;
  }
  return options;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArguments(process.argv.slice(2));
  const sets = options.set === 'all' ? SETS : [options.set];
  for (const set of sets) {
    const directory = options.directory && sets.length > 1 ? join(options.directory, set) : options.directory;
    const manifest = generateSet({ ...options, set, ...(directory ? { directory } : {}) });
    const { sources, totals, skipped } = manifest.expected;
    process.stderr.write(
      `${set}: ${sources.files} files, ${sources.lines} lines, ${(sources.bytes / MB).toFixed(1)} MB, ${totals.records} records, ${skipped.lines} malformed (${manifest.generated_in_seconds} s)\n`,
    );
  }
}

#!/usr/bin/env node
/**
 * The baseline a user would write in ten minutes: every file through
 * createReadStream + split2, every line through JSON.parse, usage summed with
 * a Map for Claude's repeated responses. It knows only the two benchmark
 * shapes (Claude transcripts and bamboo records), so it is a floor for
 * "parse everything in Node", not a competitor on features. Its output has the
 * shape of `usage report --json` where the benchmark compares them.
 *
 *   node bench/naive.mjs <directory>
 */
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import split2 from 'split2';

const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: node bench/naive.mjs <directory>\n');
  process.exit(2);
}

const files = readdirSync(directory, { recursive: true })
  .map(String)
  .filter((name) => name.endsWith('.jsonl'))
  .sort()
  .map((name) => join(directory, name));

const keyed = new Map();
const unkeyed = [];
const skipped = {};
let lines = 0;
let noUsageLines = 0;
let duplicateLines = 0;

const isCount = (value) => Number.isSafeInteger(value) && value >= 0;
const isOptionalCount = (value) => value === undefined || value === null || isCount(value);
const skip = (reason) => {
  skipped[reason] = (skipped[reason] ?? 0) + 1;
};

/** [input, output, reasoning, cacheRead, cacheWrite, write5m, write1h, model], or a skip reason. */
function readClaude(value) {
  const usage = value.message.usage;
  const split = usage.cache_creation ?? {};
  const counts = [
    usage.input_tokens,
    usage.output_tokens,
    usage.cache_read_input_tokens,
    usage.cache_creation_input_tokens,
    split.ephemeral_5m_input_tokens,
    split.ephemeral_1h_input_tokens,
  ];
  if (!isCount(counts[0]) || !isCount(counts[1]) || !counts.slice(2).every(isOptionalCount)) return 'negative_or_non_integer_tokens';
  const [input, output, read, creation, write5m, write1h] = counts.map((count) => count ?? 0);
  return [input, output, 0, read, Math.max(creation, write5m + write1h), write5m, write1h, value.message.model || 'unknown'];
}

function readBamboo(value) {
  const counts = [value.input_tokens, value.output_tokens, value.thinking_tokens, value.cache_read_input_tokens, value.cache_creation_input_tokens];
  if (!isCount(counts[0]) || !isCount(counts[1]) || !counts.slice(2).every(isOptionalCount)) return 'negative_or_non_integer_tokens';
  const [input, output, thinking, read, creation] = counts.map((count) => count ?? 0);
  return [input, output, Math.min(thinking, output), read, creation, 0, 0, value.model || 'unknown'];
}

const total = (tokens) => tokens[0] + tokens[1] + tokens[3] + tokens[4];

function handleLine(line) {
  lines++;
  if (line === '') return;
  let value;
  try {
    value = JSON.parse(line);
  } catch {
    skip('invalid_json');
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    skip('not_an_object');
    return;
  }
  let tokens;
  let key = null;
  if (value.type === 'assistant' && value.message?.usage) {
    if (value.message.model === '<synthetic>') {
      noUsageLines++;
      return;
    }
    tokens = readClaude(value);
    if (value.message.id && value.requestId) key = `${value.message.id}:${value.requestId}`;
  } else if (value.type === undefined && 'input_tokens' in value) {
    tokens = readBamboo(value);
  } else {
    noUsageLines++;
    return;
  }
  if (typeof tokens === 'string') {
    skip(tokens);
    return;
  }
  if (key === null) {
    unkeyed.push(tokens);
    return;
  }
  const earlier = keyed.get(key);
  if (earlier === undefined) {
    keyed.set(key, tokens);
    return;
  }
  duplicateLines++;
  if (total(tokens) > total(earlier)) keyed.set(key, tokens);
}

let bytes = 0;
for (const file of files) {
  const stream = createReadStream(file);
  stream.on('data', (chunk) => {
    bytes += chunk.length;
  });
  for await (const line of stream.pipe(split2())) handleLine(line);
}

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
const models = new Map();
for (const tokens of [...keyed.values(), ...unkeyed]) {
  totals.records++;
  totals.input_tokens += tokens[0];
  totals.output_tokens += tokens[1];
  totals.reasoning_tokens += tokens[2];
  totals.cache_read_tokens += tokens[3];
  totals.cache_write_tokens += tokens[4];
  totals.cache_write_5m_tokens += tokens[5];
  totals.cache_write_1h_tokens += tokens[6];
  totals.total_tokens += total(tokens);
  const model = models.get(tokens[7]) ?? { model: tokens[7], records: 0, total_tokens: 0 };
  model.records++;
  model.total_tokens += total(tokens);
  models.set(tokens[7], model);
}
const skippedLines = Object.values(skipped).reduce((sum, count) => sum + count, 0);
process.stdout.write(
  `${JSON.stringify({
    totals,
    models: [...models.values()],
    skipped: { lines: skippedLines, reasons: skipped },
    no_usage_lines: noUsageLines,
    duplicate_lines: duplicateLines,
    sources: { files: files.length, lines, bytes },
  })}\n`,
);

#!/usr/bin/env node
/**
 * The DuckDB peer of the benchmark: what a user who knows SQL would run
 * instead of `usage`. One `read_json` over every `.jsonl` file of a data set,
 * with a fixed schema (every column typed, so nothing is sampled or guessed),
 * summing the token fields `usage report` reports for that set. It runs as a
 * process of its own so that GNU time measures it like every other tool; the
 * figure therefore includes starting Node and loading the DuckDB library,
 * which the output states separately as `load_s`.
 *
 *   node bench/duckdb-peer.mjs flat|claude <directory>
 *   node bench/duckdb-peer.mjs --check        (prints the DuckDB version)
 *
 * `ignore_errors=true` is needed: the data sets hold lines that are not JSON
 * (cut short, a doubled colon), and without it the first one stops the query.
 * With it DuckDB turns what it cannot parse into a row of NULLs (left out
 * below) and casts what it can: a token count of 12.5 becomes 12 (half to
 * even) and a negative one is summed as it is, where `usage` skips both lines.
 * A line cut off just after a colon also takes the next line with it (the
 * value is looked for past the newline). The bench compares these sums with
 * the generator's exact totals and prints every difference; it never fails
 * on them.
 *
 * Prints one JSON object: { duckdb, threads, ignore_errors, load_s, totals:
 * { records, input_tokens, output_tokens, reasoning_tokens,
 * cache_read_tokens, cache_write_tokens, total_tokens } }.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';

const started = process.hrtime.bigint();
const [kind, directory] = process.argv.slice(2);

let duckdb;
try {
  duckdb = await import('@duckdb/node-api');
} catch (error) {
  process.stderr.write(`duckdb-peer: @duckdb/node-api does not load here: ${String(error.message ?? error).split('\n')[0]}\n`);
  process.exit(3);
}

if (kind === '--check') {
  process.stdout.write(`${duckdb.version()}\n`);
  process.exit(0);
}
if ((kind !== 'flat' && kind !== 'claude') || !directory) {
  process.stderr.write('usage: node bench/duckdb-peer.mjs flat|claude <directory>\n');
  process.exit(2);
}

/** SQL string literal. */
const literal = (text) => `'${text.replaceAll("'", "''")}'`;
const files = literal(join(directory, '**', '*.jsonl'));
const threads = cpus().length;

/**
 * Flat bamboo records: one record per line, no de-duplication. `usage`
 * reports reasoning as the thinking tokens (never more than the output,
 * which the generator guarantees), and total = input + output + cache read +
 * cache write.
 */
const FLAT = `
SELECT count(*) AS records,
       sum(input_tokens)::BIGINT AS input_tokens,
       sum(output_tokens)::BIGINT AS output_tokens,
       sum(thinking_tokens)::BIGINT AS reasoning_tokens,
       sum(cache_read_input_tokens)::BIGINT AS cache_read_tokens,
       sum(cache_creation_input_tokens)::BIGINT AS cache_write_tokens,
       sum(input_tokens + output_tokens + cache_read_input_tokens + cache_creation_input_tokens)::BIGINT AS total_tokens
FROM read_json(${files},
  format = 'newline_delimited',
  ignore_errors = true,
  columns = {
    model: 'VARCHAR',
    input_tokens: 'BIGINT',
    output_tokens: 'BIGINT',
    thinking_tokens: 'BIGINT',
    cache_read_input_tokens: 'BIGINT',
    cache_creation_input_tokens: 'BIGINT'
  })
WHERE input_tokens IS NOT NULL`;

/**
 * Claude transcripts: assistant lines with message.usage, '<synthetic>'
 * responses left out, and a response written on several lines (same
 * message.id and requestId) counted once, keeping the copy with the largest
 * total as `usage` does. Cache writes are the larger of the reported sum and
 * the 5-minute + 1-hour split, as `usage` counts them.
 */
const CLAUDE = `
WITH lines AS (
  SELECT message.id AS id, requestId AS request_id,
         message.usage.input_tokens AS input,
         message.usage.output_tokens AS output,
         coalesce(message.usage.cache_read_input_tokens, 0) AS cache_read,
         greatest(coalesce(message.usage.cache_creation_input_tokens, 0),
                  coalesce(message.usage.cache_creation.ephemeral_5m_input_tokens, 0)
                    + coalesce(message.usage.cache_creation.ephemeral_1h_input_tokens, 0)) AS cache_write
  FROM read_json(${files},
    format = 'newline_delimited',
    ignore_errors = true,
    columns = {
      type: 'VARCHAR',
      requestId: 'VARCHAR',
      message: 'STRUCT(id VARCHAR, model VARCHAR, usage STRUCT(input_tokens BIGINT, output_tokens BIGINT, cache_read_input_tokens BIGINT, cache_creation_input_tokens BIGINT, cache_creation STRUCT(ephemeral_5m_input_tokens BIGINT, ephemeral_1h_input_tokens BIGINT)))'
    })
  WHERE type = 'assistant' AND message.usage IS NOT NULL AND message.model IS DISTINCT FROM '<synthetic>'
),
records AS (
  SELECT * FROM lines WHERE id IS NULL OR request_id IS NULL
  UNION ALL
  SELECT * FROM lines WHERE id IS NOT NULL AND request_id IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY id, request_id ORDER BY input + output + cache_read + cache_write DESC) = 1
)
SELECT count(*) AS records,
       sum(input)::BIGINT AS input_tokens,
       sum(output)::BIGINT AS output_tokens,
       0::BIGINT AS reasoning_tokens,
       sum(cache_read)::BIGINT AS cache_read_tokens,
       sum(cache_write)::BIGINT AS cache_write_tokens,
       sum(input + output + cache_read + cache_write)::BIGINT AS total_tokens
FROM records`;

const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
// What DuckDB took, not what was asked: the results name it.
const [{ threads: threadsInUse }] = (await connection.runAndReadAll("SELECT current_setting('threads') AS threads")).getRowObjectsJS();
const loaded = process.hrtime.bigint();
const reader = await connection.runAndReadAll(kind === 'flat' ? FLAT : CLAUDE);
const [row] = reader.getRowObjectsJS();
const totals = Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === null ? 0 : Number(value)]));
process.stdout.write(
  `${JSON.stringify({
    duckdb: duckdb.version(),
    threads: Number(threadsInUse),
    ignore_errors: true,
    load_s: Number(loaded - started) / 1e9,
    totals,
  })}\n`,
);
connection.closeSync?.();

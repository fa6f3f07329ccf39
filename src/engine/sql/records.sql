-- The records of a lake of exports (docs/export.md), de-duplicated and
-- classified, as the built-in pipeline sees them (docs/engine.md).
-- Slots, filled by src/engine/duckdb.ts from fixed text, never from input:
--   {{source}}       the exported rows, with source_file (the file each came from)
--   {{epoch_ms}}     the engine's "timestamp to epoch milliseconds" function
--   {{bounded}}      TRUE when --since/--until was given
--   {{filter}}       TRUE, or tests on agent/machine/project/model with ? parameters
--   {{cost_usd}}     the cost the chosen --cost-mode counts
--   {{context_prompt_tokens}}, {{context_max_context_tokens}},
--   {{context_truncation_occurred}}, {{context_segments_removed}}
--                    one field of the context snapshot (JSON text), as text
-- Parameters, in order: range start, range end (epoch ms), then the filter values
-- (`?` placeholders; engines without them get literals, see docs/engine.md).
WITH exported AS (
  SELECT source.*, {{epoch_ms}}(timestamp) AS timestamp_ms
  FROM {{source}} AS source
),
copied AS (
  -- Identities read more than once (two machines, two runs of an export),
  -- with their number of copies and the largest total among them. Grouping
  -- by identity alone, with two small sums, is what lets a large lake be
  -- de-duplicated in bounded memory (the engine spills the groups to disk).
  SELECT record_id, COUNT(*) AS copies, MAX(total_tokens) AS best_total
  FROM {{source}} AS source
  GROUP BY record_id
  HAVING COUNT(*) > 1
),
winners AS (
  -- The copy that counts: the largest total, then the first file in file
  -- order, as the built-in reader keeps them. One file never holds two
  -- copies of an identity (an export run writes each identity once), so a
  -- file names one row.
  SELECT copied.record_id AS winner_id, MIN(copied.copies) AS copy_count, MIN(source.source_file) AS winner_file
  FROM {{source}} AS source
  JOIN copied ON source.record_id = copied.record_id AND source.total_tokens = copied.best_total
  GROUP BY copied.record_id
),
unique_records AS (
  SELECT exported.*, COALESCE(winners.copy_count, 1) AS copies
  FROM exported
  LEFT JOIN winners ON exported.record_id = winners.winner_id
  WHERE winners.winner_id IS NULL OR exported.source_file = winners.winner_file
),
classified AS (
  SELECT unique_records.*,
         CASE
           WHEN {{bounded}} AND timestamp_ms IS NULL THEN 'undated'
           WHEN timestamp_ms < ? OR timestamp_ms >= ? THEN 'out_of_range'
           WHEN NOT ({{filter}}) THEN 'filtered'
           ELSE 'selected'
         END AS selection,
         {{cost_usd}} AS cost_usd,
         -- The context snapshot's figures (bamboo), for usage report's context pressure.
         CASE WHEN context IS NULL THEN 0 ELSE 1 END AS context_snapshot,
         CASE WHEN CAST({{context_max_context_tokens}} AS DOUBLE) > 0
              THEN CAST({{context_prompt_tokens}} AS DOUBLE) / CAST({{context_max_context_tokens}} AS DOUBLE)
         END AS context_ratio,
         CASE WHEN {{context_truncation_occurred}} = 'true' THEN 1 ELSE 0 END AS context_truncation,
         COALESCE(CAST({{context_segments_removed}} AS BIGINT), 0) AS context_segments_removed
  FROM unique_records
)

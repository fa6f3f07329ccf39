-- The records of a lake of exports (docs/export.md), de-duplicated and
-- classified, as the built-in pipeline sees them (docs/engine.md).
-- Slots, filled by src/engine/duckdb.ts from fixed text, never from input:
--   {{source}}       the exported rows, with source_file (the file each came from)
--   {{epoch_ms}}     the engine's "timestamp to epoch milliseconds" function
--   {{bounded}}      TRUE when --since/--until was given
--   {{filter}}       TRUE, or IN tests on agent/machine/project/model with ? parameters
--   {{cost_usd}}     the cost the chosen --cost-mode counts
-- Parameters, in order: range start, range end (epoch ms), then the filter values
-- (`?` placeholders; engines without them get literals, see docs/engine.md).
WITH exported AS (
  SELECT source.*, {{epoch_ms}}(timestamp) AS timestamp_ms
  FROM {{source}} AS source
),
ranked AS (
  -- Of the copies of one record (two machines, two runs), the one with the
  -- largest total wins, then the first in file order, as the built-in reader
  -- keeps them. One file never holds two copies: each export run writes an
  -- identity once.
  SELECT exported.*,
         ROW_NUMBER() OVER (
           PARTITION BY record_id
           ORDER BY total_tokens DESC, source_file
         ) AS copy_rank,
         COUNT(*) OVER (PARTITION BY record_id) AS copies
  FROM exported
),
unique_records AS (
  SELECT * FROM ranked WHERE copy_rank = 1
),
classified AS (
  SELECT unique_records.*,
         CASE
           WHEN {{bounded}} AND timestamp_ms IS NULL THEN 'undated'
           WHEN timestamp_ms < ? OR timestamp_ms >= ? THEN 'out_of_range'
           WHEN NOT ({{filter}}) THEN 'filtered'
           ELSE 'selected'
         END AS selection,
         {{cost_usd}} AS cost_usd
  FROM unique_records
)

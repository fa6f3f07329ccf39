-- Token and cost sums per group: every report the engine serves is folded
-- from these rows (src/engine/duckdb.ts). {{group_columns}} are record
-- columns (model, project, machine, …) from a fixed list, and time_bucket,
-- the record's quarter hour: every time zone's offset is a whole number of
-- quarter hours, so a bucket never straddles a day, week or month boundary.
-- Rows that are not selected are kept, grouped by why, for the input summary.
SELECT selection,
       dialect,
       {{group_columns}},
       CASE WHEN timestamp_ms IS NULL THEN NULL ELSE FLOOR(timestamp_ms / 900000) END AS time_bucket,
       SUM(copies) AS rows_read,
       COUNT(*) AS records,
       SUM(calls) AS calls,
       SUM(input_tokens) AS input_tokens,
       SUM(output_tokens) AS output_tokens,
       SUM(reasoning_tokens) AS reasoning_tokens,
       SUM(cache_read_tokens) AS cache_read_tokens,
       SUM(cache_write_tokens) AS cache_write_tokens,
       SUM(cache_write_5m_tokens) AS cache_write_5m_tokens,
       SUM(cache_write_1h_tokens) AS cache_write_1h_tokens,
       SUM(unattributed_tokens) AS unattributed_tokens,
       SUM(total_tokens) AS total_tokens,
       SUM(CASE WHEN cache_reported THEN 1 ELSE 0 END) AS cache_reported_records,
       SUM(cost_usd) AS cost_usd,
       SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced_records,
       SUM(CASE WHEN cost_usd IS NULL THEN total_tokens ELSE 0 END) AS unpriced_tokens,
       SUM(recorded_cost_usd) AS recorded_cost_usd,
       COUNT(recorded_cost_usd) AS recorded_records,
       SUM(calculated_cost_usd) AS calculated_cost_usd,
       SUM(CASE WHEN calculated_cost_usd IS NULL THEN 1 ELSE 0 END) AS uncalculated_records
FROM classified
GROUP BY selection, dialect, {{group_columns}}, CASE WHEN timestamp_ms IS NULL THEN NULL ELSE FLOOR(timestamp_ms / 900000) END

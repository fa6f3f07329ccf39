-- Token and cost sums per group: every report the engine serves is folded
-- from these rows (src/engine/duckdb.ts). {{group_columns}} are record
-- columns (model, project, machine, …) from a fixed list, and
-- {{time_bucket}} is, when the report has days, weeks or months, the
-- record's quarter hour (every time zone's offset is a whole number of
-- quarter hours, so a bucket never straddles a local day, week or month),
-- else NULL: one row per group, however long the lake.
-- Rows that are not selected are kept, grouped by why, for the input summary.
-- Sums are named sum_<column>: an alias equal to a column name would shadow
-- the column in ClickHouse, where aliases are visible in the whole query.
-- Money is summed as DECIMAL: a sum of doubles depends on the order the
-- engine's threads add them in, which changes from run to run, and two groups
-- of equal cost would then swap places between runs.
SELECT selection,
       dialect,
       {{group_columns}},
       {{time_bucket}} AS time_bucket,
       MIN(source_file) AS first_file,
       SUM(copies) AS rows_read,
       COUNT(*) AS records,
       SUM(calls) AS sum_calls,
       SUM(input_tokens) AS sum_input_tokens,
       SUM(output_tokens) AS sum_output_tokens,
       SUM(reasoning_tokens) AS sum_reasoning_tokens,
       SUM(cache_read_tokens) AS sum_cache_read_tokens,
       SUM(cache_write_tokens) AS sum_cache_write_tokens,
       SUM(cache_write_5m_tokens) AS sum_cache_write_5m_tokens,
       SUM(cache_write_1h_tokens) AS sum_cache_write_1h_tokens,
       SUM(unattributed_tokens) AS sum_unattributed_tokens,
       SUM(total_tokens) AS sum_total_tokens,
       SUM(CASE WHEN cache_reported THEN 1 ELSE 0 END) AS cache_reported_records,
       -- Cache health counts only the records whose source reports cache counts.
       SUM(CASE WHEN cache_reported THEN input_tokens ELSE 0 END) AS reported_input_tokens,
       SUM(CASE WHEN cache_reported THEN cache_read_tokens ELSE 0 END) AS reported_cache_read_tokens,
       SUM(CASE WHEN cache_reported THEN cache_write_tokens ELSE 0 END) AS reported_cache_write_tokens,
       CAST(SUM(CAST(cost_usd AS DECIMAL(38, 12))) AS DOUBLE) AS sum_cost_usd,
       SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced_records,
       SUM(CASE WHEN cost_usd IS NULL THEN total_tokens ELSE 0 END) AS unpriced_tokens,
       CAST(SUM(CAST(recorded_cost_usd AS DECIMAL(38, 12))) AS DOUBLE) AS sum_recorded_cost_usd,
       COUNT(recorded_cost_usd) AS recorded_records,
       CAST(SUM(CAST(calculated_cost_usd AS DECIMAL(38, 12))) AS DOUBLE) AS sum_calculated_cost_usd,
       SUM(CASE WHEN calculated_cost_usd IS NULL THEN 1 ELSE 0 END) AS uncalculated_records,
       -- Context pressure: every figure but the median adds up across groups
       -- (the median has its own query, context-median.sql).
       SUM(context_snapshot) AS context_snapshots,
       COUNT(context_ratio) AS context_ratios,
       MAX(context_ratio) AS peak_context_ratio,
       SUM(context_truncation) AS context_truncations,
       SUM(context_segments_removed) AS sum_context_segments_removed
FROM classified
GROUP BY selection, dialect, {{group_columns}}, {{time_bucket}}

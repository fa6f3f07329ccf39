-- The median context ratio of the selected records (usage report's context
-- pressure), after records.sql: the one or two middle values of the ratios
-- in order, found with ROW_NUMBER and COUNT windows (plain SQL; engines with
-- PERCENTILE_CONT could use that). The caller takes the mean of the two, as
-- the built-in reducer does (src/reducers/context-pressure.ts), so the
-- figure is computed by the same arithmetic.
, ordered_ratios AS (
  SELECT context_ratio,
         ROW_NUMBER() OVER (ORDER BY context_ratio) AS position,
         COUNT(*) OVER () AS ratio_count
  FROM classified
  WHERE selection = 'selected' AND context_ratio IS NOT NULL
)
SELECT MAX(ratio_count) AS ratios,
       MIN(CASE WHEN 2 * position IN (ratio_count, ratio_count + 1) THEN context_ratio END) AS low_middle,
       MAX(CASE WHEN 2 * position IN (ratio_count + 1, ratio_count + 2) THEN context_ratio END) AS high_middle
FROM ordered_ratios

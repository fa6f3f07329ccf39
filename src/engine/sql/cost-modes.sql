-- The cost each --cost-mode counts, one expression per mode (docs/pricing.md):
-- calculate: the price list's figure; auto: the log's own figure where it
-- wrote one; recorded: only the log's figure (a free model costs 0).
-- name: calculate
calculated_cost_usd
-- name: auto
COALESCE(recorded_cost_usd, calculated_cost_usd)
-- name: recorded
COALESCE(recorded_cost_usd, CASE WHEN free_model THEN calculated_cost_usd END)

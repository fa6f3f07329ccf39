/**
 * Compares a `usage report --json` document with the totals the generator
 * wrote into manifest.json. Every figure must match exactly: a fast wrong
 * answer is a failed benchmark.
 */

const TOTAL_KEYS = [
  'records',
  'input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
  'total_tokens',
];

/** Returns one sentence per figure that differs; an empty list means the report is exact. */
export function compareReport(report, expected) {
  const problems = [];
  const check = (label, actual, wanted) => {
    if (actual !== wanted) problems.push(`${label}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  };
  if (report === null || typeof report !== 'object') return ['the output is not a JSON object'];
  for (const key of TOTAL_KEYS) check(`totals.${key}`, report.totals?.[key], expected.totals[key]);
  check('skipped.lines', report.skipped?.lines, expected.skipped.lines);
  const reasons = new Set([...Object.keys(expected.skipped.reasons), ...Object.keys(report.skipped?.reasons ?? {})]);
  for (const reason of reasons) {
    check(`skipped.reasons.${reason}`, report.skipped?.reasons?.[reason] ?? 0, expected.skipped.reasons[reason] ?? 0);
  }
  check('no_usage_lines', report.no_usage_lines, expected.no_usage_lines);
  check('duplicate_lines', report.duplicate_lines, expected.duplicate_lines);
  for (const key of ['files', 'lines', 'bytes']) check(`sources.${key}`, report.sources?.[key], expected.sources[key]);
  const models = new Map((Array.isArray(report.models) ? report.models : []).map((row) => [row.model, row]));
  const names = new Set([...Object.keys(expected.models), ...models.keys()]);
  for (const name of names) {
    const row = models.get(name);
    const wanted = expected.models[name];
    check(`models[${name}].records`, row?.records ?? 0, wanted?.records ?? 0);
    check(`models[${name}].total_tokens`, row?.total_tokens ?? 0, wanted?.total_tokens ?? 0);
  }
  return problems;
}

export interface ExpectedTotals {
  records: number;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  total_tokens: number;
}

/** What the generator knows a correct reader must report (manifest.json `expected`). */
export interface Expected {
  totals: ExpectedTotals;
  skipped: { lines: number; reasons: Record<string, number> };
  no_usage_lines: number;
  duplicate_lines: number;
  models: Record<string, { records: number; total_tokens: number }>;
  sources: { files: number; lines: number; bytes: number };
}

export function compareReport(report: unknown, expected: Expected): string[];

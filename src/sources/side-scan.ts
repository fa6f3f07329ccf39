/**
 * A pass over JSON-lines sources for what is not usage (Codex rate-limit
 * readings, Claude session summaries). Only lines holding `needle` are
 * decoded and parsed, so a pass costs little more than reading the bytes;
 * lines that are not JSON objects are ignored here (`usage validate` is where
 * they are reported). Memory stays flat: one chunk and one line at a time.
 */
import { readLines } from '../lines/read-lines.js';
import { describeFsError, type Source } from './discover.js';
import { openSource } from './open.js';

export interface SideScanSummary {
  files: number;
  bytes: number;
  unreadable: Array<{ path: string; message: string }>;
}

export type SideLineHandler = (value: Record<string, unknown>, path: string) => void;

/** A cheaper look at the raw line before it is parsed: false skips it. */
export type RawLineFilter = (line: Buffer) => boolean;

export async function scanMatchingLines(
  sources: readonly Source[],
  needle: string,
  onValue: SideLineHandler,
  filter?: RawLineFilter,
): Promise<SideScanSummary> {
  const summary: SideScanSummary = { files: 0, bytes: 0, unreadable: [] };
  const pattern = Buffer.from(needle);
  for (const source of sources) {
    // Stdin can be read once only, and the usage pass has it; databases and documents hold no such lines.
    if (source.kind !== 'file' || !/\.(?:jsonl|ndjson)(?:\.gz)?$/i.test(source.path)) continue;
    try {
      const chunks = await openSource(source);
      const stats = await readLines(chunks, (buffer, start, end) => {
        // A view of the line, so the search stops at its end.
        const line = buffer.subarray(start, end);
        if (line.indexOf(pattern) < 0 || (filter !== undefined && !filter(line))) return;
        let value: unknown;
        try {
          value = JSON.parse(buffer.toString('utf8', start, end));
        } catch {
          return;
        }
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) onValue(value as Record<string, unknown>, source.path);
      });
      summary.files++;
      summary.bytes += stats.bytes;
    } catch (error) {
      summary.unreadable.push({ path: source.path, message: describeFsError(error) });
    }
  }
  return summary;
}

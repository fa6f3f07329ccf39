/**
 * Session titles from Claude Code's `summary` lines
 * (`{"type":"summary","summary":"…","leafUuid":"…"}`). A summary names the
 * conversation that ends at message `leafUuid`; it is often written into a
 * later session's file (the one that resumed it), so the file it sits in says
 * nothing. The title belongs to the session of the message whose `uuid` is
 * the leaf. Two passes, both cheap: the first collects summaries (lines
 * holding `"leafUuid"`), the second parses only lines whose `uuid` is one of
 * those leaves. A leaf whose message is not in the logs read gives no title;
 * of several summaries for one session, the last one read wins.
 */
import type { Source } from './discover.js';
import { scanMatchingLines } from './side-scan.js';

const UUID_KEY = Buffer.from('"uuid":"');

/**
 * Whether any `"uuid":"…"` in a raw line, unparsed, is one of `wanted`. Every
 * occurrence is checked: a nested object (a tool result) may hold a `uuid`
 * key before the line's own.
 */
function holdsWantedUuid(line: Buffer, wanted: ReadonlyMap<string, string>): boolean {
  for (let at = line.indexOf(UUID_KEY); at >= 0; at = line.indexOf(UUID_KEY, at + 1)) {
    const start = at + UUID_KEY.length;
    const end = line.indexOf(0x22, start);
    if (end < 0) return false;
    if (wanted.has(line.toString('utf8', start, end))) return true;
  }
  return false;
}

export async function readSessionTitles(sources: readonly Source[]): Promise<Map<string, string>> {
  const summaries = new Map<string, string>();
  await scanMatchingLines(sources, '"leafUuid"', (value) => {
    if (value['type'] !== 'summary' || typeof value['summary'] !== 'string' || typeof value['leafUuid'] !== 'string') return;
    const summary = value['summary'].trim();
    if (summary !== '') summaries.set(value['leafUuid'], summary);
  });
  const titles = new Map<string, string>();
  if (summaries.size === 0) return titles;
  await scanMatchingLines(
    sources,
    '"uuid":"',
    (value) => {
      const uuid = value['uuid'];
      const session = value['sessionId'];
      if (typeof uuid !== 'string' || typeof session !== 'string') return;
      const summary = summaries.get(uuid);
      if (summary !== undefined) titles.set(session, summary);
    },
    (line) => holdsWantedUuid(line, summaries),
  );
  return titles;
}

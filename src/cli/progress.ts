/**
 * Progress on long runs: files and megabytes read, on stderr, once a run has
 * been reading for a second. Never on a non-terminal (a pipe or a CI log),
 * never with -q, never on stdout. The bar clears itself when the last file is
 * read, so the report that follows starts on a clean line. cli-progress is
 * loaded only when a bar is actually shown.
 */
import type { IngestProgress } from '../ingest/ingest.js';
import type { CliContext } from './context.js';

export const PROGRESS_DELAY_MS = 1000;

type Bar = { start(total: number, value: number, payload: object): void; update(value: number, payload: object): void; stop(): void };

export function createProgressReporter(
  context: Pick<CliContext, 'stderr' | 'env'>,
  quiet: boolean | undefined,
  // Not a default parameter: touching process.stderr creates the stream (net and the streams on a pipe), which a run without a bar never needs.
  stream?: NodeJS.WritableStream,
): ((progress: IngestProgress) => void) | undefined {
  if (quiet || !context.stderr.isTTY || context.env['TERM'] === 'dumb' || context.env['CI']) return undefined;
  const started = Date.now();
  let bar: Bar | null = null;
  let loading = false;
  let latest: IngestProgress | null = null;
  let finished = false;
  const show = (progress: IngestProgress) => {
    const payload = { megabytes: (progress.bytesRead / 1e6).toFixed(1) };
    bar?.update(progress.filesRead, payload);
    if (progress.filesRead >= progress.filesToRead) {
      bar?.stop();
      finished = true;
    }
  };
  return (progress) => {
    latest = progress;
    if (finished) return;
    if (bar !== null) return show(progress);
    if (loading || Date.now() - started < PROGRESS_DELAY_MS || progress.filesRead >= progress.filesToRead) return;
    loading = true;
    void import('cli-progress').then(({ default: cliProgress }) => {
      if (latest === null || latest.filesRead >= latest.filesToRead) return;
      bar = new cliProgress.SingleBar(
        {
          stream: stream ?? process.stderr,
          format: 'reading logs [{bar}] {value}/{total} files, {megabytes} MB',
          hideCursor: true,
          clearOnComplete: true,
          barsize: 24,
        },
        cliProgress.Presets.shades_classic,
      ) as unknown as Bar;
      bar.start(latest.filesToRead, latest.filesRead, { megabytes: (latest.bytesRead / 1e6).toFixed(1) });
    });
  };
}

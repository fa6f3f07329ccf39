/**
 * `usage archive`: what the archive of records from deleted or shrunk logs
 * holds (docs/index.md), and `--prune-before DATE` to drop its older records.
 */
import { cacheDir, pruneBefore, quiet } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';

export const command = defineCommand({
  name: 'archive',
  summary: 'what the archive of records from deleted or shrunk logs holds; --prune-before drops older records',
  inputs: 'none',
  flags: { cacheDir, pruneBefore, quiet },
  help: 'The archive lives next to the index (see --cache-dir); reports count its records unless --no-archive.',
  examples: ['usage archive', 'usage archive --prune-before 2026-01-01'],
  async run({ options, context }) {
    const { resolveIndexDirectory } = await import('../cli/inputs.js');
    const { describeArchive, pruneArchiveBefore } = await import('../store/archive-report.js');
    const { readCalendarDate, startOfDay } = await import('../time/zone.js');
    const { DEFAULT_START_OF_WEEK } = await import('../reducers/periods.js');
    const directory = resolveIndexDirectory(options, context);
    const notes: string[] = [];
    if (options.pruneBefore) {
      const day = options.pruneBefore.resolve('start', readCalendarDate(context.now.getTime(), 'UTC'), DEFAULT_START_OF_WEEK);
      notes.push(pruneArchiveBefore(directory, startOfDay(day, 'UTC'), day));
    }
    const { text, warnings } = describeArchive(directory);
    return { text, notes, warnings };
  },
});

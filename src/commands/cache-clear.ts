/**
 * `usage cache clear`: deletes the index, the results kept for identical runs
 * (and any temporary file a crashed run left). The archive next to it holds records whose logs may be gone, so
 * it is deleted only with --archive.
 */
import { cacheDir, clearArchive, quiet } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';

export const command = defineCommand({
  name: 'clear',
  parent: 'cache',
  summary: 'delete the index of already-read logs (with --archive, the archive of deleted logs too)',
  inputs: 'none',
  flags: { cacheDir, quiet, clearArchive },
  async run({ options, context }) {
    const { resolveIndexDirectory } = await import('../cli/inputs.js');
    const { clearIndex } = await import('../store/index-file.js');
    const directory = resolveIndexDirectory(options, context);
    // clearIndex copes with whatever sits at the index path (a damaged file, a directory).
    const { clearKeptResults } = await import('../store/result-cache.js');
    const removed = clearIndex(directory);
    const notes = [removed > 0 ? `Cleared the index in ${directory}` : `No index to clear in ${directory}`];
    // Kept results go with the index: they are what its records added up to.
    const results = clearKeptResults(directory);
    if (results > 0) notes.push(`Deleted ${results} kept result${results === 1 ? '' : 's'} of identical runs in ${directory}`);
    const { archivePath, clearArchive: removeArchive } = await import('../store/archive.js');
    const { existsSync } = await import('node:fs');
    if (options.clearArchive) {
      notes.push(removeArchive(directory) > 0 ? `Deleted the archive in ${directory}` : `No archive to delete in ${directory}`);
    } else if (existsSync(archivePath(directory))) {
      notes.push(`Kept the archive of deleted logs in ${directory} (add --archive to delete it too)`);
    }
    return { notes };
  },
});

/** `usage cache clear`: deletes the index (and any temporary file a crashed run left). */
import { cacheDir, quiet } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';

export const command = defineCommand({
  name: 'clear',
  parent: 'cache',
  summary: 'delete the index of already-read logs',
  inputs: 'none',
  flags: { cacheDir, quiet },
  async run({ options, context }) {
    const { resolveIndexDirectory } = await import('../cli/inputs.js');
    const { clearIndex } = await import('../store/index-file.js');
    const directory = resolveIndexDirectory(options, context);
    // clearIndex copes with whatever sits at the index path (a damaged file, a directory).
    const removed = clearIndex(directory);
    const note = removed > 0 ? `Cleared the index in ${directory}` : `No index to clear in ${directory}`;
    return { notes: [note] };
  },
});

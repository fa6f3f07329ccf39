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
    const { readdir, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { resolveIndexDirectory } = await import('../cli/inputs.js');
    const { INDEX_FILE_NAME } = await import('../store/index-file.js');
    const directory = resolveIndexDirectory(options, context);
    const names = await readdir(directory).catch(() => [] as string[]);
    const doomed = names.filter((name) => name === INDEX_FILE_NAME || (name.startsWith(`${INDEX_FILE_NAME}.`) && name.endsWith('.tmp')));
    for (const name of doomed) await rm(join(directory, name), { force: true });
    const note = doomed.length > 0 ? `Cleared the index in ${directory}` : `No index to clear in ${directory}`;
    return { notes: [note] };
  },
});

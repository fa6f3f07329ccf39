import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliContext } from '../cli/context.js';
import { resolveIndexDirectory } from '../cli/inputs.js';
import { INDEX_FILE_NAME } from '../store/index-file.js';

export interface CacheClearFlags {
  cacheDir?: string | undefined;
  quiet?: boolean | undefined;
}

/** `usage cache clear`: deletes the index (and any temporary file a crashed run left). */
export async function runCacheClear(_paths: string[], flags: CacheClearFlags, context: CliContext): Promise<number> {
  const directory = resolveIndexDirectory(flags, context);
  const names = await readdir(directory).catch(() => [] as string[]);
  const doomed = names.filter((name) => name === INDEX_FILE_NAME || (name.startsWith(`${INDEX_FILE_NAME}.`) && name.endsWith('.tmp')));
  for (const name of doomed) await rm(join(directory, name), { force: true });
  if (!flags.quiet) {
    context.stderr.write(doomed.length > 0 ? `Cleared the index in ${directory}\n` : `No index to clear in ${directory}\n`);
  }
  return 0;
}

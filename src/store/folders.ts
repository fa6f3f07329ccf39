/**
 * Creates a folder and its missing parents, the one way every folder this
 * tool writes (cache, index, results, statusline lock, export) is made.
 *
 * Not `mkdirSync(path, { recursive: true })`: on Node 20 that never returns
 * for a path under /proc (`--cache-dir /proc/x`), where mkdir answers ENOENT
 * for a parent that stat cannot see either, and Node's recursive walk retries
 * forever. Here each missing level is made once, from the deepest folder that
 * exists, and the first refusal is thrown as it came.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function createFolder(path: string, mode?: number): void {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      if (statSync(current).isDirectory()) break;
      // A file where a folder should be: the mkdir below says so (EEXIST), as Node's would.
      missing.push(current);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.push(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (let index = missing.length - 1; index >= 0; index--) {
    const folder = missing[index] as string;
    try {
      mkdirSync(folder, mode === undefined ? undefined : { mode });
    } catch (error) {
      // Made meanwhile by another process: fine, as long as it is a folder.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(folder).isDirectory()) throw error;
    }
  }
}

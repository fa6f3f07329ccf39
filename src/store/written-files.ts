/**
 * The files this process wrote and renamed into place in the index folder
 * (the index, the archive), by device and inode, which a rename keeps. The
 * result cache (./result-cache.ts) asks after a run: is the index on disk
 * the one this run left, or one another process put there meanwhile? Only
 * in the first case is the run's output what a later run over that index
 * would print.
 */
import { fstatSync } from 'node:fs';

const written = new Set<string>();

/** Called by a writer with its open temporary file, just before it renames the file into place. */
export function noteWrittenFile(descriptor: number): void {
  try {
    const info = fstatSync(descriptor);
    written.add(`${info.dev}:${info.ino}`);
  } catch {
    // Unknown: the result cache then keeps nothing after this run.
  }
}

/** Whether the file with this device and inode was written by this process. */
export function wasWrittenHere(dev: number, ino: number): boolean {
  return written.has(`${dev}:${ino}`);
}

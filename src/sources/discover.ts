/**
 * Turns the paths a user named (or the default log locations) into a list of
 * input sources. Directories are walked recursively; a directory reached twice
 * through symlinks is walked once, so a symlink loop cannot hang the walk.
 */
import { type Dirent, readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DefaultLocation, Environment, ReaderKind } from '../dialects/module.js';
import { listDefaultLocations, readerForFileName } from '../dialects/registry.js';
import type { FileIdentity } from '../store/fingerprint.js';

export type Source =
  | {
      kind: 'file';
      path: string;
      size?: number | undefined;
      /** What the stat during discovery saw (absent when it failed): identifies the file before any of it is read. */
      identity?: FileIdentity | undefined;
      /**
       * How its name says it is read (readerForFileName, JSON lines when no name claims it), worked out
       * once here: the result cache, the index and the scan each ask, and 3,000 names cost ~12 ms a time.
       */
      nameReader?: ReaderKind | undefined;
    }
  | { kind: 'stream'; name: string; stream: AsyncIterable<Buffer | string> };

export interface DiscoveryProblem {
  path: string;
  message: string;
}

export interface Discovery {
  sources: Source[];
  problems: DiscoveryProblem[];
}


/** statSync, with a failure as a value. */
function tryStat(path: string): Stats | Error {
  try {
    return statSync(path);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Expands every path into files. A path named explicitly is read whatever its
 * extension; inside directories only log-like names are picked up. The walk
 * uses synchronous calls: thousands of files walked with an awaited call each
 * left the process idle on thread-pool round trips for ~0.2 s per 3,000 files.
 */
export async function discoverFiles(paths: ReadonlyArray<string | Pick<DefaultLocation, 'path' | 'fileNames'>>): Promise<Discovery> {
  const files: Array<{ kind: 'file'; path: string; size: number; identity: FileIdentity | undefined; nameReader: ReaderKind }> = [];
  const seenFiles = new Set<string>();
  const seenDirectories = new Set<string>();
  const problems: DiscoveryProblem[] = [];

  // One stat per file: its device and inode name it however many links lead to it.
  // `reader`: what readerForFileName said of the name, when the walk asked already.
  const addFile = (path: string, known?: Stats, reader = readerForFileName(basename(path))): void => {
    const found = known ?? tryStat(path);
    const info = found instanceof Error ? null : found;
    const inode = info ? `${info.dev}:${info.ino}` : path;
    if (seenFiles.has(inode)) return;
    seenFiles.add(inode);
    // Only a regular file has an identity that names its bytes (a named pipe is read once, as a stream).
    const identity = info?.isFile() ? { dev: info.dev, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs } : undefined;
    files.push({ kind: 'file', path, size: info?.size ?? 0, identity, nameReader: reader ?? 'jsonl' });
  };

  // A location that names its files (Droid keeps transcripts without usage beside its sidecars) reads only those.
  const walk = (directory: string, fileNames?: RegExp): void => {
    let real: string;
    try {
      // The native call: one system call, where the JavaScript one lstat-s every component of the path (404 folders: ~15 ms).
      real = realpathSync.native(directory);
    } catch (error) {
      problems.push({ path: directory, message: describeFsError(error) });
      return;
    }
    if (seenDirectories.has(real)) return;
    seenDirectories.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch (error) {
      problems.push({ path: directory, message: describeFsError(error) });
      return;
    }
    // Sorted so that output and duplicate resolution never depend on readdir order.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // What path.join(directory, name) starts with, worked out once per folder (an entry's name has no separator):
    // join normalises the folder's spelling ('./' adds nothing, 'x/../' is ''), and paths are index keys.
    const prefix = join(directory, '_').slice(0, -1);
    for (const entry of entries) {
      const child = prefix + entry.name;
      if (entry.isDirectory()) {
        walk(child, fileNames);
        continue;
      }
      // JSON lines by extension; documents and databases only under the names their dialect modules claim.
      const reader = readerForFileName(entry.name);
      const wanted = reader !== undefined && (fileNames === undefined || fileNames.test(entry.name));
      if (entry.isFile()) {
        if (wanted) addFile(child, undefined, reader);
      } else if (entry.isSymbolicLink()) {
        const target = tryStat(child);
        if (target instanceof Error) continue;
        if (target.isDirectory()) walk(child, fileNames);
        else if (target.isFile() && wanted) addFile(child, target, reader);
      }
    }
  };

  for (const entry of paths) {
    const { path, fileNames } = typeof entry === 'string' ? { path: entry, fileNames: undefined } : entry;
    const info = tryStat(path);
    if (info instanceof Error) {
      problems.push({ path, message: describeFsError(info) });
    } else if (info.isDirectory()) {
      walk(path, fileNames);
    } else {
      addFile(path, info);
    }
  }
  return { sources: files, problems };
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EISDIR':
      return 'is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

export type { DefaultLocation, Environment } from '../dialects/module.js';
export { listDefaultLocations } from '../dialects/registry.js';

/** The default locations that exist on this machine. */
export async function findDefaultLocations(environment: Environment): Promise<ReturnType<typeof listDefaultLocations>> {
  const found: ReturnType<typeof listDefaultLocations> = [];
  for (const location of listDefaultLocations(environment)) {
    if (!(tryStat(location.path) instanceof Error)) found.push(location);
  }
  return found;
}

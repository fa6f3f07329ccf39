/**
 * The statusline's cache and lock, in the cache folder (statusline/). Claude
 * Code runs the statusline after every message, several at once across
 * sessions; so the last answer is kept per input (session, transcript, zone,
 * paths), and at most one process scans at a time: the lock file holds the
 * scanner's pid and start time; a lock whose process is gone or which is
 * older than the staleness limit is taken over. Only node:fs and node:path are
 * loaded here: this is the warm path.
 */
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StatuslineAnswer } from './answer.js';
import { createFolder } from '../store/folders.js';

export interface CachedAnswer {
  answer: StatuslineAnswer;
  /** The transcript's size and mtime when the answer was computed: a new message changes them. */
  transcript: { size: number; mtimeMs: number } | null;
}

/** FNV-1a, 32 bits, as hex: names a cache file after its inputs without loading node:crypto. */
export function hashText(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

export function statuslineFolder(cacheDirectory: string): string {
  return join(cacheDirectory, 'statusline');
}

export function readTranscriptStamp(path: string | null): CachedAnswer['transcript'] {
  if (path === null) return null;
  try {
    const stats = statSync(path);
    return { size: stats.size, mtimeMs: stats.mtimeMs };
  } catch {
    return null;
  }
}

export function readCachedAnswer(file: string): CachedAnswer | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as CachedAnswer;
    return typeof value?.answer?.computedAt === 'number' ? value : null;
  } catch {
    return null;
  }
}

/** Written to a temporary name and renamed, so a reader never sees half an answer. */
export function writeCachedAnswer(file: string, cached: CachedAnswer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(cached), { mode: 0o600 });
  renameSync(temporary, file);
}

/** Fresh: computed less than `maxAgeMs` ago, on the same day, and the transcript has not changed since. */
export function isFresh(cached: CachedAnswer, stamp: CachedAnswer['transcript'], now: number, maxAgeMs: number): boolean {
  const { answer } = cached;
  if (now - answer.computedAt > maxAgeMs || now < answer.computedAt || now >= answer.dayEnd) return false;
  if (stamp === null || cached.transcript === null) return stamp === cached.transcript;
  return stamp.size === cached.transcript.size && stamp.mtimeMs === cached.transcript.mtimeMs;
}

export interface Lock {
  release(): void;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the scan lock, or returns null when another live process holds it.
 * A lock left by a process that died, or older than `staleMs`, is removed and
 * taken (once: if someone else wins that race, they hold it).
 */
export function acquireLock(folder: string, now: number, staleMs: number): Lock | null {
  createFolder(folder, 0o700);
  const path = join(folder, 'scan.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const descriptor = openSync(path, 'wx', 0o600);
      writeSync(descriptor, JSON.stringify({ pid: process.pid, startedAt: now }));
      closeSync(descriptor);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            // Only our own lock: a scan that outlived staleMs may have had it
            // taken over, and removing the new holder's lock would let a third scan start.
            const holder = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown };
            if (holder.pid === process.pid) unlinkSync(path);
          } catch {
            // Already gone, or unreadable (taken over mid-write): not ours to remove.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: { pid?: unknown; startedAt?: unknown } = {};
    let modifiedAt = now;
    try {
      modifiedAt = statSync(path).mtimeMs;
      holder = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      // Gone, or just created and not yet written: judged by the file's age below, never taken at once.
    }
    const pid = typeof holder.pid === 'number' ? holder.pid : null;
    const startedAt = typeof holder.startedAt === 'number' ? holder.startedAt : modifiedAt;
    const stale = now - startedAt > staleMs || (pid !== null && !isRunning(pid));
    if (!stale) return null;
    try {
      unlinkSync(path);
    } catch {
      // Someone else removed it first; the next attempt settles who holds it.
    }
  }
  return null;
}

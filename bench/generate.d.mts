import type { Expected } from './verify.mjs';

export const GENERATOR_VERSION: number;
export const DEFAULT_SEED: number;
export const SETS: string[];
export const DATA_DIR: string;
/** The size of the chunk the benchmark appends to one file (bytes, about). */
export const APPEND_BYTES: number;

/** manifest.json of a generated set. */
export interface Manifest {
  generator: number;
  set: string;
  size_mb: number;
  seed: number;
  generated_in_seconds: number;
  expected: Expected;
  files: string[];
}

export function setDirectory(set: string, sizeMB: number): string;

export function generateSet(options: { set: string; sizeMB: number; seed?: number; directory?: string; force?: boolean }): Manifest;

/** Complete new lines for one file of a set, and the figures they add (`sources.files` is 0). */
export interface AppendChunk {
  text: string;
  expected: Expected;
}

export function generateAppend(options: { set: string; bytes?: number; seed?: number }): AppendChunk;

/** The figures of a set plus those of an appended chunk whose records are all new. */
export function addExpected(base: Expected, extra: Expected): Expected;

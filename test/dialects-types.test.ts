/**
 * The helpers every dialect shares (src/dialects/types.ts).
 */
import { describe, expect, it } from 'vitest';
import { readObject, readSessionFromFile, readText } from '../src/dialects/types.js';

describe('readSessionFromFile', () => {
  it('is the file name without its log extension, or null for stdin', () => {
    expect(readSessionFromFile('/logs/abc.jsonl')).toBe('abc');
    expect(readSessionFromFile('/logs/abc.ndjson.gz')).toBe('abc');
    expect(readSessionFromFile('/logs/abc.json')).toBe('abc');
    expect(readSessionFromFile('-')).toBeNull();
  });

  it('is the first group a pattern captures, the whole name when it does not match', () => {
    const uuidAtEnd = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
    expect(readSessionFromFile('/s/rollout-2026-01-01T00-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl', uuidAtEnd)).toBe(
      '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    );
    expect(readSessionFromFile('/s/other.jsonl', uuidAtEnd)).toBe('other');
    expect(readSessionFromFile('/s/2026-01-01T00-00-00_abc.jsonl', /_([^_]*)$/)).toBe('abc');
  });
});

describe('readText and readObject', () => {
  it('take non-empty text and JSON objects only', () => {
    expect(readText('a')).toBe('a');
    expect(readText('')).toBeNull();
    expect(readText(1)).toBeNull();
    expect(readObject({ a: 1 })).toEqual({ a: 1 });
    expect(readObject([])).toBeNull();
    expect(readObject(null)).toBeNull();
  });
});

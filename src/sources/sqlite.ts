/**
 * Opens an agent's SQLite database read-only (placeholder until a SQLite
 * library is chosen: every database is reported unreadable with this reason).
 */
import type { SqliteReader } from '../dialects/module.js';

export function openSqliteReader(_path: string): SqliteReader & { close(): void } {
  throw Object.assign(new Error('reading SQLite databases is not supported in this build'), { code: 'ENOTSUP' });
}
